#!/usr/bin/env bash
# Builds the image-decoder fuzzer (C shim with ASan + libFuzzer, Swift wrapper with
# -sanitize=fuzzer,address) and runs it: ./Tests/Fuzz/run-fuzzer.sh [seconds] [extra libFuzzer flags]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${FUZZ_WORK:-/tmp/fusionlab-image-fuzz}"
seconds="${1:-60}"; shift || true
mkdir -p "$work/obj" "$work/corpus" "$work/artifacts"

shim="$root/Sources/CImageCodecs"
png_flags="$(pkg-config --cflags libpng16) $(pkg-config --cflags libjpeg)"
for source in "$shim"/*.c; do
  clang -g -O1 -fsanitize=fuzzer-no-link,address -I "$shim/include" $png_flags \
    -c "$source" -o "$work/obj/$(basename "$source" .c).o"
done
cat > "$work/module.modulemap" <<MAP
module CImageCodecs {
    header "$shim/include/image_codecs.h"
    export *
}
MAP
images="$root/Sources/Datasets/Images"
swiftc -g -O -parse-as-library -sanitize=fuzzer,address -module-name FuzzImages \
  -Xcc -fmodule-map-file="$work/module.modulemap" \
  "$root/Tests/Fuzz/FuzzImageDecoder.swift" \
  "$images/RGBImage.swift" "$images/ImageError.swift" "$images/ImageDecoding.swift" \
  "$images/ImageEncoding.swift" "$images/UnrecognizedImageHint.swift" "$images/FileBytes.swift" \
  "$images/BilinearResize.swift" \
  "$work"/obj/*.o $(pkg-config --libs libpng16 libjpeg) -o "$work/fuzz-image-decoder"

# Swift's own crash handler would catch traps before libFuzzer could save the crashing input.
export SWIFT_BACKTRACE=enable=no
if [ -z "$(ls -A "$work/corpus")" ]; then
  FUZZ_SEED_DIR="$work/corpus" "$work/fuzz-image-decoder" -runs=0 "$work/corpus"
fi
"$work/fuzz-image-decoder" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" "$@" "$work/corpus"
