import CQuantization
import Tensor

/// A Linear or convolution weight quantised for scoring (PyTorch's dynamic quantisation scheme):
/// symmetric int8 per output channel (scale = max|w|/127), packed once for the int8 GEMM. At
/// every call the activations are quantised to uint8 with a zero point — per row for a Linear,
/// per sample for a convolution (its rows are overlapping patches of one image) —, multiplied in
/// int8 with exact int32 sums, and dequantised with both scales; the bias stays float.
///
/// Inference only: the output records no gradient.
public final class Int8Weights: @unchecked Sendable {
    /// Output channels and inputs per channel (`in·kh·kw` for a convolution).
    public let outputs: Int, inputs: Int
    /// Per output channel: the float value of one int8 step.
    public let scales: [Float]
    /// The int8 values, `[outputs, inputs]` row-major (what the packed copy holds).
    public let values: [Int8]
    let packed: [Int8]
    let rowSums: [Int32]

    /// Quantises `weight` `[out, …]` (its trailing dimensions flattened into the inputs).
    public init(_ weight: Tensor) {
        precondition(weight.rank >= 2, "int8 weights need [out, in, …], got \(weight.shape)")
        outputs = weight.shape[0]
        inputs = weight.count / Swift.max(outputs, 1)
        let (n, k) = (outputs, inputs)
        var values = [Int8](repeating: 0, count: n * k), scales = [Float](repeating: 1, count: n)
        fl_quantize_weights_s8(weight.pointer, Int32(n), Int32(k), &values, &scales)
        var packed = [Int8](repeating: 0, count: fl_int8_packed_size(Int32(n), Int32(k)))
        var sums = [Int32](repeating: 0, count: n)
        fl_int8_pack_weights(values, Int32(n), Int32(k), &packed, &sums)
        self.values = values; self.scales = scales; self.packed = packed; rowSums = sums
    }

    /// Bytes an activation row takes in the GEMM (the inputs rounded up to 4).
    var rowBytes: Int { Int(fl_int8_padded_inputs(Int32(inputs))) }

    /// `y = x Wᵀ + b` over the last dimension: `x` `[…, in]` → `[…, out]`.
    /// `portableKernel`: the plain C loop even where AVX-VNNI is available (tests compare them).
    public func linear(_ x: Tensor, bias: Tensor?, portableKernel: Bool = false) -> Tensor {
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
                gemm(rows: m, q, lda: ld, aScales, zeros, bias: pb, into: po + first * outputs, rowStride: outputs, columnStride: 1,
                     portable: portableKernel)
            }
        }
        return out
    }

    /// `[N, C, H, W]` ⊛ this `[O, C, kh, kw]` weight (+ bias `[O]`) → `[N, O, Ho, Wo]`: each
    /// sample quantised, unfolded into one uint8 row per output position, and multiplied by the
    /// int8 GEMM.
    public func conv2d(_ x: Tensor, bias: Tensor?, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] * kernel.0 * kernel.1 == inputs,
                     "int8 conv2d: input \(x.shape) with kernel \(kernel) does not match \(inputs) inputs per channel")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let geometry = ConvGeometry(kernel: kernel, stride: stride, padding: padding)
        let (ho, wo) = geometry.outputSize(height: h, width: w)
        precondition(ho > 0 && wo > 0, "int8 conv2d output would be empty: input \(h)×\(w), kernel \(kernel)")
        let p = ho * wo, imageSize = c * h * w, ld = rowBytes
        let out = Tensor(uninitializedShape: [n, outputs, ho, wo])
        let px = x.pointer, po = out.pointer, pb = bias?.pointer
        parallelChunks(n, minimumPerThread: Swift.max(1, 65_536 / Swift.max(outputs * inputs * p, 1))) { start, end in
            let image = UnsafeMutablePointer<UInt8>.allocate(capacity: imageSize), patches = UnsafeMutablePointer<UInt8>.allocate(capacity: p * ld)
            let aScales = UnsafeMutablePointer<Float>.allocate(capacity: p), zeros = UnsafeMutablePointer<Int32>.allocate(capacity: p)
            // The GEMM writes [positions, channels] rows (its vectorised store), transposed after into NCHW.
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: p * outputs)
            defer { image.deallocate(); patches.deallocate(); aScales.deallocate(); zeros.deallocate(); rows.deallocate() }
            for s in start..<end {
                var scale: Float = 1, zero: Int32 = 0
                fl_quantize_tensor_u8(px + s * imageSize, imageSize, image, &scale, &zero)
                aScales.update(repeating: scale, count: p)
                zeros.update(repeating: zero, count: p)
                fl_im2row_u8(image, Int32(c), Int32(h), Int32(w), Int32(kernel.0), Int32(kernel.1), Int32(stride.0), Int32(stride.1),
                             Int32(padding.0), Int32(padding.1), UInt8(zero), patches, ld)
                gemm(rows: p, patches, lda: ld, aScales, zeros, bias: pb, into: rows, rowStride: outputs, columnStride: 1)
                fl_transpose_f32(rows, Int32(p), Int32(outputs), po + s * outputs * p)
            }
        }
        return out
    }

    /// The int8 GEMM over `rows` quantised activation rows (AVX-VNNI when the CPU has it, unless `portable`).
    func gemm(rows: Int, _ a: UnsafePointer<UInt8>, lda: Int, _ aScales: UnsafePointer<Float>, _ zeros: UnsafePointer<Int32>,
              bias: UnsafePointer<Float>?, into c: UnsafeMutablePointer<Float>, rowStride: Int, columnStride: Int, portable: Bool = false) {
        packed.withUnsafeBufferPointer { w in
            rowSums.withUnsafeBufferPointer { sums in
                scales.withUnsafeBufferPointer { ws in
                    fl_int8_gemm(Int32(rows), Int32(outputs), Int32(inputs), a, lda, aScales, zeros, w.baseAddress, sums.baseAddress, ws.baseAddress,
                                 bias, c, rowStride, columnStride, portable ? 1 : 0)
                }
            }
        }
    }

    /// Whether the int8 GEMM runs the AVX-VNNI kernel on this CPU.
    public static var usesVNNI: Bool { fl_int8_gemm_has_vnni() != 0 }
}
