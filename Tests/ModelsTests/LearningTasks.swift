import Tensor
import Datasets

/// Tasks each solvable only through one modality's encoder: the label depends on that
/// modality's input alone, and the other fields are noise.
enum LearningTasks {
    /// 16×16 images of a bright disk (label 0) or a bright bar (label 1) of about the same area,
    /// at a random position, in a random colour, on a random background with pixel noise.
    static let shapes: LearningTask = {
        let size = 16
        let schema = DatasetSchema(sequenceLength: 4, sequenceTokens: [.init(name: "event_type", size: 3)], sequenceFloats: [],
                                   profile: nil, attributes: nil, imageSize: size, anomalyClasses: [])
        return LearningTask(modality: .image, schema: schema) { b, g in
            let plane = size * size
            let images = Tensor(zeros: [b, 3, size, size])
            var labels: [Float] = []
            for r in 0..<b {
                let isBar = g.nextInt(below: 2) == 1
                labels.append(isBar ? 1 : 0)
                var inside = [Bool](repeating: false, count: plane)
                if isBar {
                    let length = 9 + g.nextInt(below: 4), vertical = g.nextInt(below: 2) == 1
                    let along = g.nextInt(below: size - length + 1), across = g.nextInt(below: size - 1)
                    for a in along..<(along + length) {
                        for c in across..<(across + 2) { inside[vertical ? a * size + c : c * size + a] = true }
                    }
                } else {
                    let radius = 2.2 + 1.0 * g.nextFloat()
                    let cx = 3.5 + Float(g.nextInt(below: 9)), cy = 3.5 + Float(g.nextInt(below: 9))
                    for y in 0..<size {
                        for x in 0..<size {
                            let (dx, dy) = (Float(x) - cx, Float(y) - cy)
                            inside[y * size + x] = dx * dx + dy * dy <= radius * radius
                        }
                    }
                }
                for channel in 0..<3 {
                    let background = -0.3 + 0.6 * g.nextFloat(), colour = 0.6 + 0.6 * g.nextFloat()
                    let p = images.pointer + (r * 3 + channel) * plane
                    for i in 0..<plane { p[i] = (inside[i] ? colour : background) + 0.15 * Float(g.nextNormal()) }
                }
            }
            return syntheticBatch(schema: schema, labels: labels, images: images)
        }
    }()

    /// Sessions whose time-gap buckets come in bursts (runs of 3–5 small gaps, 1–2, split by
    /// a long gap, 9–11: label 1) or regularly (mid-size gaps, 4–7: label 0). 15% of the gaps are
    /// replaced by any bucket; event types and items are random; lengths vary from 10 to 16.
    static let timing: LearningTask = {
        let length = 16
        let schema = DatasetSchema(sequenceLength: length,
                                   sequenceTokens: [.init(name: "event_type", size: 5), .init(name: "item_id", size: 30),
                                                    .init(name: "gap", size: 12)],
                                   sequenceFloats: [], profile: nil, attributes: nil, imageSize: nil, anomalyClasses: [])
        return LearningTask(modality: .sequence, schema: schema) { b, g in
            var events = [Int32](repeating: 0, count: b * length), items = events, gaps = events
            var labels: [Float] = [], lengths: [Int32] = []
            for r in 0..<b {
                let bursty = g.nextInt(below: 2) == 1
                let n = 10 + g.nextInt(below: length - 9)
                labels.append(bursty ? 1 : 0)
                lengths.append(Int32(n))
                var untilPause = 3 + g.nextInt(below: 3)
                for k in 0..<n {
                    let i = r * length + k
                    events[i] = Int32(1 + g.nextInt(below: 4))
                    items[i] = Int32(1 + g.nextInt(below: 29))
                    var gap: Int
                    if bursty {
                        if untilPause == 0 {
                            gap = 9 + g.nextInt(below: 3)
                            untilPause = 3 + g.nextInt(below: 3)
                        } else {
                            gap = 1 + g.nextInt(below: 2)
                            untilPause -= 1
                        }
                    } else {
                        gap = 4 + g.nextInt(below: 4)
                    }
                    if g.nextFloat() < 0.15 { gap = 1 + g.nextInt(below: 11) }
                    gaps[i] = Int32(gap)
                }
            }
            return syntheticBatch(schema: schema, labels: labels, tokens: ["event_type": events, "item_id": items, "gap": gaps],
                                  lengths: lengths)
        }
    }()

    /// Profiles: label = (device == 2) XOR (age > 0). `orders` and `plan` are noise.
    /// Ignoring the device caps accuracy at 0.75, ignoring the age at 0.5.
    static let profileRule: LearningTask = {
        let schema = DatasetSchema(sequenceLength: 4, sequenceTokens: [.init(name: "event_type", size: 3)], sequenceFloats: [],
                                   profile: .init(floatNames: ["age", "orders"],
                                                  categorical: [.init(name: "device", size: 4), .init(name: "plan", size: 3)]),
                                   attributes: nil, imageSize: nil, anomalyClasses: [])
        return LearningTask(modality: .profile, schema: schema) { b, g in
            var floats: [Float] = [], categorical: [Int32] = [], labels: [Float] = []
            for _ in 0..<b {
                let age = Float(g.nextNormal()), device = g.nextInt(below: 4)
                floats += [age, Float(g.nextNormal())]
                categorical += [Int32(device), Int32(g.nextInt(below: 3))]
                labels.append((device == 2) != (age > 0) ? 1 : 0)
            }
            return syntheticBatch(schema: schema, labels: labels, profile: (floats, categorical))
        }
    }()

    /// Target items: anomalous (label 1) when the price is far (1.0–1.8) from its category's
    /// mean, normal within 0.4 of it. Category means −2…2 overlap the other categories' prices,
    /// so price alone does not decide. `weight` and `brand` are noise.
    static let priceRule: LearningTask = {
        let means: [Float] = [-2, -1, 0, 1, 2]
        let schema = DatasetSchema(sequenceLength: 4, sequenceTokens: [.init(name: "event_type", size: 3)], sequenceFloats: [],
                                   profile: nil,
                                   attributes: .init(floatNames: ["price", "weight"],
                                                     categorical: [.init(name: "category", size: 5), .init(name: "brand", size: 4)]),
                                   imageSize: nil, anomalyClasses: [])
        return LearningTask(modality: .attributes, schema: schema) { b, g in
            var floats: [Float] = [], categorical: [Int32] = [], labels: [Float] = []
            for _ in 0..<b {
                let category = g.nextInt(below: means.count), anomalous = g.nextInt(below: 2) == 1
                let deviation = anomalous ? (1.0 + 0.8 * g.nextFloat()) * (g.nextInt(below: 2) == 0 ? -1 : 1)
                                          : 0.8 * g.nextFloat() - 0.4
                floats += [means[category] + deviation, Float(g.nextNormal())]
                categorical += [Int32(category), Int32(g.nextInt(below: 4))]
                labels.append(anomalous ? 1 : 0)
            }
            return syntheticBatch(schema: schema, labels: labels, attributes: (floats, categorical))
        }
    }()
}
