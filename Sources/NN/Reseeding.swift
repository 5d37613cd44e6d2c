import Tensor

/// A module that draws random numbers while it runs (dropout masks, modality dropout).
/// Training reseeds every such module at each epoch from (run seed, epoch), so a run resumed
/// from an epoch checkpoint draws exactly the masks an uninterrupted run would have drawn.
public protocol RandomStateful: Module {
    func reseed(_ seed: UInt64)
}

extension Dropout: RandomStateful {}

extension Module {
    /// Reseeds every `RandomStateful` module below this one; each gets its own stream, derived
    /// from `seed` and its path, so the streams do not depend on traversal order.
    public func reseedRandomness(_ seed: UInt64, path: String = "") {
        if let stateful = self as? any RandomStateful {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for b in path.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            stateful.reseed(seed ^ h)
        }
        for (name, child) in children { child.reseedRandomness(seed, path: path.isEmpty ? name : path + "." + name) }
    }
}
