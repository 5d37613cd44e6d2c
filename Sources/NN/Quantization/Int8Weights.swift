import CQuantization
import Tensor

/// A Linear or convolution weight quantised for scoring (PyTorch's dynamic quantisation scheme):
/// symmetric int8 per output channel (scale = max|w|/127), packed once for the int8 GEMM. At
/// every call the activations are quantised to uint8 with a zero point — per row for a Linear,
/// per sample for a convolution (its rows are overlapping patches of one image) —, multiplied in
/// int8 with exact int32 sums, and dequantised with both scales; the bias stays float. A Linear's
/// weights are packed for the row-major GEMM, a convolution's as padded rows for the per-sample
/// convolution kernel (output channels × positions, so its output is NCHW as it comes).
///
/// Inference only: the output records no gradient.
public final class Int8Weights: @unchecked Sendable {
    /// Output channels and inputs per channel (`in·kh·kw` for a convolution).
    public let outputs: Int, inputs: Int
    /// Per output channel: the float value of one int8 step.
    public let scales: [Float]
    /// The int8 values, `[outputs, inputs]` row-major (what the packed copy holds).
    public let values: [Int8]
    /// A Linear's (rank-2 weight): blocks of 16 channels × 4 inputs (fl_int8_pack_weights);
    /// a convolution's: rows padded to 4 inputs (fl_int8_pack_rows).
    let packed: [Int8]
    let rowSums: [Int32]
    let isConvolution: Bool

    /// Quantises `weight` `[out, …]` (its trailing dimensions flattened into the inputs); a
    /// weight of rank 3 or more is a convolution's.
    public init(_ weight: Tensor) {
        precondition(weight.rank >= 2, "int8 weights need [out, in, …], got \(weight.shape)")
        outputs = weight.shape[0]
        inputs = weight.count / Swift.max(outputs, 1)
        isConvolution = weight.rank > 2
        let (n, k) = (outputs, inputs)
        var values = [Int8](repeating: 0, count: n * k), scales = [Float](repeating: 1, count: n)
        fl_quantize_weights_s8(weight.pointer, Int32(n), Int32(k), &values, &scales)
        var sums = [Int32](repeating: 0, count: n), packed: [Int8]
        if isConvolution {
            packed = [Int8](repeating: 0, count: n * Int(fl_int8_padded_inputs(Int32(k))))
            fl_int8_pack_rows(values, Int32(n), Int32(k), &packed, &sums)
        } else {
            packed = [Int8](repeating: 0, count: fl_int8_packed_size(Int32(n), Int32(k)))
            fl_int8_pack_weights(values, Int32(n), Int32(k), &packed, &sums)
        }
        self.values = values; self.scales = scales; self.packed = packed; rowSums = sums
    }

    /// Bytes an activation row takes in the GEMM (the inputs rounded up to 4).
    var rowBytes: Int { Int(fl_int8_padded_inputs(Int32(inputs))) }

    /// `y = x Wᵀ + b` over the last dimension: `x` `[…, in]` → `[…, out]`.
    /// `gemm`: the kernel (tests name each one; all give the same bits).
    public func linear(_ x: Tensor, bias: Tensor?, gemm: Int8Kernel = .best) -> Tensor {
        precondition(!isConvolution, "int8 linear on a convolution's weights \(outputs)×\(inputs)")
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == inputs, "int8 linear: input \(x.shape) does not end in \(inputs)")
        let rows = x.count / Swift.max(inputs, 1)
        let out = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outputs])
        let px = x.pointer, po = out.pointer, pb = bias?.pointer, ld = rowBytes
        // Rows per thread so that a chunk does at least ~64k multiply-adds.
        parallelChunks(rows, minimumPerThread: Swift.max(1, 65_536 / Swift.max(inputs * outputs, 1))) { start, end in
            // Blocks of rows small enough that the quantised copy stays in cache (and its buffer
            // comes from the heap, not from fresh pages every call).
            let block = Swift.max(4, Swift.min(end - start, 16_384 / Swift.max(ld, 1)))
            let q = UnsafeMutablePointer<UInt8>.allocate(capacity: block * ld)
            let aScales = UnsafeMutablePointer<Float>.allocate(capacity: block), zeros = UnsafeMutablePointer<Int32>.allocate(capacity: block)
            defer { q.deallocate(); aScales.deallocate(); zeros.deallocate() }
            for first in stride(from: start, to: end, by: block) {
                let m = Swift.min(block, end - first)
                fl_quantize_rows_u8(px + first * inputs, Int32(m), Int32(inputs), inputs, q, ld, aScales, zeros)
                packed.withUnsafeBufferPointer { w in
                    rowSums.withUnsafeBufferPointer { sums in
                        scales.withUnsafeBufferPointer { ws in
                            fl_int8_gemm(Int32(m), Int32(outputs), Int32(inputs), q, ld, aScales, zeros, w.baseAddress, sums.baseAddress,
                                         ws.baseAddress, pb, po + first * outputs, outputs, 1, gemm.rawValue)
                        }
                    }
                }
            }
        }
        return out
    }

    /// `[N, C, H, W]` ⊛ this `[O, C, kh, kw]` weight (+ bias `[O]`) → `[N, O, Ho, Wo]`, then ReLU
    /// when `relu`, then 2×2 max pooling when `pool2x2` (`[N, O, Ho/2, Wo/2]`, the values of
    /// `.maxPool2d(kernel: (2, 2))`): each sample quantised with one scale, unfolded and multiplied
    /// by the int8 convolution kernel, its output finished in registers.
    public func conv2d(_ x: Tensor, bias: Tensor?, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int),
                       relu: Bool = false, pool2x2: Bool = false, gemm: Int8Kernel = .best) -> Tensor {
        precondition(isConvolution, "int8 conv2d on a Linear's weights \(outputs)×\(inputs)")
        precondition(x.rank == 4 && x.shape[1] * kernel.0 * kernel.1 == inputs,
                     "int8 conv2d: input \(x.shape) with kernel \(kernel) does not match \(inputs) inputs per channel")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (ho, wo) = ConvGeometry(kernel: kernel, stride: stride, padding: padding).outputSize(height: h, width: w)
        precondition(ho > 0 && wo > 0, "int8 conv2d output would be empty: input \(h)×\(w), kernel \(kernel)")
        precondition(!pool2x2 || (ho >= 2 && wo >= 2), "2×2 pooling needs a convolution output of at least 2×2, got \(ho)×\(wo)")
        let outputSize = pool2x2 ? outputs * (ho / 2) * (wo / 2) : outputs * ho * wo, imageSize = c * h * w
        let out = Tensor(uninitializedShape: pool2x2 ? [n, outputs, ho / 2, wo / 2] : [n, outputs, ho, wo])
        let px = x.pointer, po = out.pointer, pb = bias?.pointer
        packed.withUnsafeBufferPointer { weights in
            rowSums.withUnsafeBufferPointer { sums in
                scales.withUnsafeBufferPointer { ws in
                    var layer = fl_int8_conv_layer(outputs: Int32(outputs), channels: Int32(c), kernel_h: Int32(kernel.0), kernel_w: Int32(kernel.1),
                                                   stride_h: Int32(stride.0), stride_w: Int32(stride.1), pad_h: Int32(padding.0),
                                                   pad_w: Int32(padding.1), weights: weights.baseAddress, row_sums: sums.baseAddress,
                                                   scales: ws.baseAddress, bias: pb)
                    let scratchBytes = fl_int8_conv_scratch_bytes(&layer, Int32(h), Int32(w))
                    parallelChunks(n, minimumPerThread: Swift.max(1, 65_536 / Swift.max(outputs * inputs * ho * wo, 1))) { start, end in
                        var layer = layer
                        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 64)
                        defer { scratch.deallocate() }
                        for s in start..<end {
                            fl_int8_conv_sample(&layer, px + s * imageSize, Int32(h), Int32(w), relu ? 1 : 0, pool2x2 ? 1 : 0, scratch,
                                                po + s * outputSize, gemm.rawValue)
                        }
                    }
                }
            }
        }
        return out
    }

    /// The kernel the int8 GEMMs run on this CPU.
    public static var bestKernel: Int8Kernel { Int8Kernel(rawValue: fl_int8_resolve_kernel(Int8Kernel.best.rawValue)) ?? .portable }
}

/// The int8 GEMM kernels (every one gives the same bits; tests compare them).
public enum Int8Kernel: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// The fastest this CPU runs.
    case best = 0
    /// Plain C loops.
    case portable = 1
    /// vpdpbusd on 256-bit registers (AVX-VNNI).
    case avxVNNI = 2
    /// vpdpbusd on 512-bit registers (AVX-512 VNNI).
    case avx512VNNI = 3

    /// Whether this CPU runs the kernel.
    public var isSupported: Bool { fl_int8_kernel_supported(rawValue) != 0 }

    public var description: String {
        switch self {
        case .best: "best"
        case .portable: "portable C loop"
        case .avxVNNI: "AVX-VNNI (vpdpbusd, 256-bit)"
        case .avx512VNNI: "AVX-512 VNNI (vpdpbusd, 512-bit)"
        }
    }
}
