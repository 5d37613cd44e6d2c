#!/usr/bin/env bash
# Builds one of the libFuzzer harnesses (with AddressSanitizer) and runs it:
#   ./Tests/Fuzz/run-fuzzer.sh image|csv|config [seconds] [extra libFuzzer flags]
# (`./Tests/Fuzz/run-fuzzer.sh 60` still means the image fuzzer). Work directory:
# /tmp/fusionlab-<name>-fuzz (FUZZ_WORK overrides it), with the corpus in corpus/ and crashing
# inputs in artifacts/. Sources are picked by directory glob, so new files there are compiled in.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
name=image
case "${1:-}" in
  image|csv|config) name="$1"; shift ;;
  ''|[0-9]*) ;;
  *) echo "usage: $0 image|csv|config [seconds] [libFuzzer flags]" >&2; exit 2 ;;
esac
work="${FUZZ_WORK:-/tmp/fusionlab-$name-fuzz}"
seconds="${1:-60}"; shift || true
mkdir -p "$work/obj" "$work/corpus" "$work/artifacts"
binary="$work/fuzz-$name"
max_len=65536

case "$name" in
image)
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
    "$work"/obj/*.o $(pkg-config --libs libpng16 libjpeg) -o "$binary"
  ;;
csv)
  # The Formats sources import Tensor (thread count, UncheckedSendable): Tensor is compiled as
  # a plain module (no sanitizer, no coverage), the reader and the harness with both.
  blas_flags=()
  for flag in $(pkg-config --cflags openblas); do blas_flags+=(-Xcc "$flag"); done
  mapfile -t tensor_sources < <(find "$root/Sources/Tensor" -name '*.swift' | sort)
  swiftc -Onone -g -parse-as-library -wmo -module-name Tensor -I "$root/Sources/COpenBLAS" "${blas_flags[@]}" \
    -emit-module -emit-module-path "$work/Tensor.swiftmodule" -emit-object -o "$work/obj/Tensor.o" "${tensor_sources[@]}"
  # Module name Datasets: the harness reaches the reader's internal entry point, and the tests'
  # reference parser (`@testable import Datasets`) compiles as part of the same module.
  swiftc -g -O -parse-as-library -sanitize=fuzzer,address -module-name Datasets -suppress-warnings \
    -I "$work" -I "$root/Sources/COpenBLAS" "${blas_flags[@]}" \
    "$root/Tests/Fuzz/FuzzCSVReader.swift" "$root/Tests/DatasetsTests/ReferenceCSVParser.swift" \
    "$root"/Sources/Datasets/Formats/*.swift "$work/obj/Tensor.o" $(pkg-config --libs openblas) -o "$binary"
  max_len=16384
  ;;
config)
  swiftc -g -O -parse-as-library -sanitize=fuzzer,address -module-name Support \
    "$root/Tests/Fuzz/FuzzConfigParser.swift" "$root"/Sources/Support/Config/*.swift -o "$binary"
  max_len=16384
  ;;
esac

# Swift's own crash handler would catch traps before libFuzzer could save the crashing input.
export SWIFT_BACKTRACE=enable=no
if [ -z "$(ls -A "$work/corpus")" ]; then
  if [ "$name" = image ]; then
    FUZZ_SEED_DIR="$work/corpus" "$binary" -runs=0 "$work/corpus"
  else
    cp "$root/Tests/Fuzz/seeds/$name"/* "$work/corpus/"
  fi
fi
"$binary" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" "$@" "$work/corpus"
