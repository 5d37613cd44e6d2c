import Testing
import Tensor
import Datasets
@testable import Models

/// Each encoder, alone in a model, learns a task only its own modality can solve: held-out
/// accuracy well above chance (0.5) and above what ignoring part of the input allows.
@Suite struct EncoderLearningTests {
    @Test func imageEncoderTellsDisksFromBars() throws {
        let accuracy = try LearningTasks.shapes.trainedAccuracy(["encoders.image.channels=[8,16]"], steps: 250)
        #expect(accuracy >= 0.9, "held-out accuracy \(accuracy)")
    }

    @Test(arguments: [
        ["encoders.sequence.type=transformer", "encoders.sequence.heads=2", "encoders.sequence.feedforward=32", "encoders.sequence.layers=1"],
        ["encoders.sequence.type=gru", "encoders.sequence.hidden=16"],
        ["encoders.sequence.type=lstm", "encoders.sequence.hidden=16", "encoders.sequence.pooling=attention"],
        ["encoders.sequence.type=cnn", "encoders.sequence.filters=16"],
        ["encoders.sequence.type=mean"],
    ])
    func sequenceEncoderTellsBurstyFromRegularTiming(encoder: [String]) throws {
        let accuracy = try LearningTasks.timing.trainedAccuracy(encoder, steps: 120)
        #expect(accuracy >= 0.9, "\(encoder[0]): held-out accuracy \(accuracy)")
    }

    @Test func profileEncoderLearnsDeviceXorAge() throws {
        let accuracy = try LearningTasks.profileRule.trainedAccuracy(["encoders.profile.hidden=[32]"], steps: 400)
        #expect(accuracy >= 0.9, "held-out accuracy \(accuracy)")
    }

    @Test func attributeEncoderLearnsPriceFarFromItsCategoryMean() throws {
        let accuracy = try LearningTasks.priceRule.trainedAccuracy(["encoders.attributes.hidden=[32]"], steps: 300)
        #expect(accuracy >= 0.9, "held-out accuracy \(accuracy)")
    }
}
