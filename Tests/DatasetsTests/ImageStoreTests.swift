import Foundation
import Testing
import Tensor
@testable import Datasets

@Suite struct ImageStoreTests {
    /// Two items with images (one good PNG, one corrupt) and one without.
    func dataset(_ body: (PreparedDataset) throws -> Void) throws {
        let files = [
            "events.csv": "user_id:token,timestamp:float,event_type:token,item_id:token\nu1,1,view,i1\nu2,2,view,i2\nu3,3,view,i3\n",
            "items.csv": "item_id:token,price:float,image:token\ni1,1,images/good.png\ni2,2,images/bad.png\ni3,3,\n",
            "labels.csv": "sample_id:token,user_id:token,label:float\ns1,u1,0\ns2,u2,1\ns3,u3,0\n",
        ]
        try withDataset(files) { folder in
            try FileManager.default.createDirectory(atPath: folder + "/images", withIntermediateDirectories: true)
            let image = RGBImage(width: 4, height: 4, red: 200, green: 100, blue: 0)
            try Data(try encodePNG(image)).write(to: URL(fileURLWithPath: folder + "/images/good.png"))
            try Data("not an image".utf8).write(to: URL(fileURLWithPath: folder + "/images/bad.png"))
            var options = DataOptions()
            options.fractions = SplitFractions(train: 1.0 / 3, valid: 1.0 / 3, test: 1.0 / 3)
            try body(try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options))
        }
    }

    @Test func maskPolicyMasksAndCountsBadImages() throws {
        try dataset { d in
            let store = try ImageStore(dataset: d, imageSize: 2, normalization: .unitRange, policy: .mask)
            let batch = try BatchBuilder(dataset: d, images: store).batch([0, 1, 2, 0])
            #expect(batch.images!.shape == [4, 3, 2, 2])
            #expect((0..<4).map { batch.modalityMask[$0, Modality.image.index] } == [1, 0, 0, 1])
            // The good image, resized and scaled to [0, 1]: red 200/255, green 100/255, blue 0.
            #expect(Swift.abs(batch.images![0, 0, 0, 0] - 200 / 255) < 1e-6 && batch.images![0, 2, 1, 1] == 0)
            #expect(batch.images![1, 0, 0, 0] == 0)
            #expect(store.decodedCount == 1)                     // decoded once, served twice
            #expect(store.masked.count == 1 && store.masked[0].reason.contains("images/bad.png"))
        }
    }

    @Test func errorPolicyNamesTheItemAndTheFile() throws {
        try dataset { d in
            let store = try ImageStore(dataset: d, imageSize: 2, policy: .error)
            do {
                _ = try BatchBuilder(dataset: d, images: store).batch([1])
                Issue.record("expected an image error")
            } catch let error as ImageError {
                #expect(error.description.contains("'i2'") && error.description.contains("images/bad.png"), "\(error)")
            }
        }
    }
}

@Suite struct RecBoleFolderTests {
    @Test func interUserItemFilesLoadAsEventsUsersItems() throws {
        let files = [
            "ml.inter": "user_id:token\titem_id:token\ttimestamp:float\tevent_type:token\n1\t10\t100\tview\n1\t11\t200\tbuy\n",
            "ml.user": "user_id:token\tage:float\n1\t30\n",
            "ml.item": "item_id:token\tprice:float\n10\t5\n11\t7\n",
            "labels.csv": "sample_id:token,user_id:token,label:float\ns1,1,0\n",
        ]
        try withDataset(files) { folder in
            let raw = try RawDataset.load(folder: folder)
            #expect(raw.events.file == "ml.inter" && raw.events.rowCount == 2)
            #expect(raw.users?.file == "ml.user" && raw.items?.file == "ml.item")
        }
    }

    /// RecBole's interactions have no event type: each event becomes one `interaction`, with a note.
    @Test func anInterFileWithoutEventTypesGetsOneTypeAndANote() throws {
        let files = [
            "ml.inter": "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t10\t4\t100\n1\t11\t5\t200\n2\t10\t1\t300\n",
            "labels.csv": "sample_id:token,user_id:token,label:float\ns1,1,0\ns2,2,1\n",
        ]
        try withDataset(files) { folder in
            let raw = try RawDataset.load(folder: folder)
            #expect(raw.eventTypeAdded)
            let types = try #require(raw.events.column("event_type"))
            #expect(types.tokenIDs?.map { types.tokens.string($0) } == ["interaction", "interaction", "interaction"])
            let report = try PreparedDataset.prepare(raw, options: DataOptions()).report
            #expect(report.notes.contains { $0.contains("ml.inter has no event_type column") && $0.contains("\"interaction\"") }, "\(report.notes)")
        }
    }
}

@Suite struct ImagePixelLimitTests {
    /// One item whose 8 × 8 picture is above a 63-pixel limit and within a 64-pixel one.
    func store(maxPixels: Int, _ body: (ImageStore, PreparedDataset) throws -> Void) throws {
        let files = [
            "events.csv": "user_id:token,timestamp:float,event_type:token,item_id:token\nu1,1,view,i1\n",
            "items.csv": "item_id:token,image:token\ni1,images/big.png\n",
            "labels.csv": "sample_id:token,user_id:token,label:float\ns1,u1,0\n",
        ]
        try withDataset(files) { folder in
            try FileManager.default.createDirectory(atPath: folder + "/images", withIntermediateDirectories: true)
            try Data(try encodePNG(RGBImage(width: 8, height: 8, red: 1, green: 2, blue: 3))).write(to: URL(fileURLWithPath: folder + "/images/big.png"))
            var options = DataOptions()
            options.fractions = SplitFractions(train: 1.0 / 3, valid: 1.0 / 3, test: 1.0 / 3)
            let d = try PreparedDataset.prepare(try RawDataset.load(folder: folder), options: options)
            try body(try ImageStore(dataset: d, imageSize: 2, policy: .error, maxPixels: maxPixels), d)
        }
    }

    @Test func theLimitIsTheConfiguredOneAndTheMessageNamesItsKey() throws {
        try store(maxPixels: 63) { store, d in
            do {
                _ = try BatchBuilder(dataset: d, images: store).batch([0])
                Issue.record("expected the pixel limit to refuse the image")
            } catch let error as ImageError {
                #expect(error.description == "image for item 'i1' at images/big.png: 8 x 8 = 64 pixels exceeds the limit of 63 "
                        + "(raise data.images.max_pixels if the image is genuine)")
            }
        }
        try store(maxPixels: 64) { store, d in
            let batch = try BatchBuilder(dataset: d, images: store).batch([0])
            #expect(batch.modalityMask[0, Modality.image.index] == 1)
        }
    }
}
