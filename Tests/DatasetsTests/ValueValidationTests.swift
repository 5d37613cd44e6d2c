import Foundation
import Testing
@testable import Datasets

/// Bad values are errors that name the file, line, column and the value — never accepted in
/// silence (docs/DATASETS.md, "Missing and invalid values").
@Suite struct ValueValidationTests {
    static let events = """
        user_id:token,timestamp:float,event_type:token,item_id:token,dwell:float,scores:float_seq
        u1,100,view,i1,5,1 2
        u1,200,buy,i1,,
        u2,300,search,,nan,3
        """
    static let labels = "sample_id:token,user_id:token,cutoff:float,label:float,split:token\ns1,u1,,1,train\ns2,u2,,0,test\n"
    static let files = ["events.csv": events, "labels.csv": labels,
                        "users.csv": "user_id:token,age:float\nu1,30\nu2,\n", "items.csv": "item_id:token,price:float\ni1,9.5\n"]

    /// `files` with `old` replaced by `new` in one file.
    static func changing(_ file: String, _ old: String, _ new: String) -> [String: String] {
        var changed = files
        precondition(changed[file]!.contains(old), "\(old) is not in \(file)")
        changed[file] = changed[file]!.replacingOccurrences(of: old, with: new)
        return changed
    }

    func load(_ files: [String: String]) throws -> RawDataset { try withDataset(files) { try RawDataset.load(folder: $0) } }

    func prepare(_ files: [String: String], split: SplitStrategy = .column) throws -> PreparedDataset {
        var options = DataOptions()
        options.split = split
        return try PreparedDataset.prepare(try load(files), options: options)
    }

    @Test func theValidDatasetLoadsWithEmptyAndNanAsMissing() throws {
        let raw = try load(Self.files)
        let dwell = raw.events.column("dwell")!.floatValues!
        #expect(dwell[0] == 5 && dwell[1].isNaN && dwell[2].isNaN)
        #expect(raw.users!.column("age")!.floatValues![1].isNaN)
        #expect(try prepare(Self.files).roles == [.train, .test])
    }

    @Test(arguments: [("inf", "\"inf\""), ("-Infinity", "\"-Infinity\""), ("NaN", "\"NaN\""), ("nan", "\"nan\""),
                      ("1e400", "\"1e400\", which is too large for a double"), ("", "an empty field"), ("  ", "an empty field")])
    func aRequiredNumberMustBeFinite(text: String, shown: String) {
        #expect(throws: DatasetError.csv(file: "events.csv", line: 3, column: 2, message: "timestamp must be a finite number, found \(shown)")) {
            try load(Self.changing("events.csv", "u1,200,", "u1,\(text),"))
        }
    }

    @Test func aLabelMustBeFinite() {
        #expect(throws: DatasetError.csv(file: "labels.csv", line: 3, column: 4, message: "label must be a finite number, found \"inf\"")) {
            try load(Self.changing("labels.csv", "s2,u2,,0,", "s2,u2,,inf,"))
        }
        #expect(throws: DatasetError.csv(file: "labels.csv", line: 2, column: 4, message: "label must be a finite number, found an empty field")) {
            try load(Self.changing("labels.csv", "s1,u1,,1,", "s1,u1,,,"))
        }
    }

    @Test(arguments: [("events.csv", "u1,200,buy", "u1,200,", 3, 3, "event_type"), ("events.csv", "u2,300", ",300", 4, 1, "user_id"),
                      ("labels.csv", "s2,u2,", "s2,,", 3, 2, "user_id"), ("labels.csv", "s2,u2", ",u2", 3, 1, "sample_id"),
                      ("users.csv", "u2,", ",", 3, 1, "user_id"), ("items.csv", "i1,", ",", 2, 1, "item_id")])
    func aRequiredTokenMustNotBeEmpty(file: String, old: String, new: String, line: Int, column: Int, name: String) {
        #expect(throws: DatasetError.csv(file: file, line: line, column: column, message: "\(name) is empty; every row of \(file) needs one")) {
            try load(Self.changing(file, old, new))
        }
    }

    @Test func theSessionKeyIsRequiredWhenSequencesArePerSession() throws {
        var files = Self.files
        files["events.csv"] = "user_id:token,session_id:token,timestamp:float,event_type:token,item_id:token\nu1,a,1,view,i1\nu1,,2,view,i1\n"
        files["labels.csv"] = "sample_id:token,user_id:token,session_id:token,label:float\ns1,u1,a,1\n"
        #expect(throws: DatasetError.csv(file: "events.csv", line: 3, column: 2, message: "session_id is empty; every row of events.csv needs one")) {
            try load(files)
        }
    }

    /// Optional floats: empty and `nan` are missing, infinities are errors — in every table and in `float_seq`.
    @Test(arguments: [("events.csv", "view,i1,5,", "view,i1,inf,", 2, 5, "dwell", "\"inf\""),
                      ("events.csv", "view,i1,5,", "view,i1,-1e999,", 2, 5, "dwell", "\"-1e999\", which is too large for a double"),
                      ("events.csv", "nan,3", "nan,3 -inf", 4, 6, "scores", "\"-inf\""),
                      ("labels.csv", "s2,u2,,", "s2,u2,INF,", 3, 3, "cutoff", "\"INF\""),
                      ("users.csv", "u1,30", "u1,inf", 2, 2, "age", "\"inf\""),
                      ("items.csv", "i1,9.5", "i1,1e309", 2, 2, "price", "\"1e309\", which is too large for a double")])
    func anOptionalNumberMayBeMissingButNotInfinite(file: String, old: String, new: String, line: Int, column: Int, name: String, shown: String) {
        #expect(throws: DatasetError.csv(file: file, line: line, column: column,
                                         message: "\(name) must be a finite number (or empty for a missing value), found \(shown)")) {
            try load(Self.changing(file, old, new))
        }
    }

    @Test func theFirstBadFieldOfATableIsReported() {
        var files = Self.files
        files["events.csv"] = Self.events.replacingOccurrences(of: "u2,300,search,,nan", with: "u2,inf,search,,nan")
            .replacingOccurrences(of: "u1,200,buy,i1,,", with: "u1,200,buy,i1,inf,")
        #expect(throws: DatasetError.csv(file: "events.csv", line: 3, column: 5,
                                         message: "dwell must be a finite number (or empty for a missing value), found \"inf\"")) {
            try load(files)
        }
    }

    @Test(arguments: [("events.csv", "event"), ("labels.csv", "sample"), ("users.csv", "user (or leave the file out)"), ("items.csv", "item (or leave the file out)")])
    func aFileWithAHeaderButNoRowsIsAnError(file: String, what: String) {
        var files = Self.files
        files[file] = String(files[file]!.prefix { $0 != "\n" }) + "\n"
        #expect(throws: DatasetError.invalid(file: file, message: "has a header but no rows; it must hold at least one \(what)")) {
            try load(files)
        }
    }

    @Test func aTrainingSplitWithoutPositivesNamesTheLabelsFile() throws {
        let noPositives = Self.changing("labels.csv", "s1,u1,,1,train", "s1,u1,,0,train")
        #expect(throws: DatasetError.invalid(file: "labels.csv", message: "the training split has no positive samples (label 1) among its 1 samples "
                                             + "(data.split.strategy \"column\"); the detector needs anomalies to learn from: add label-1 samples to split=train")) {
            try prepare(noPositives).checkTrainable()
        }
        let noTraining = Self.changing("labels.csv", "s1,u1,,1,train", "s1,u1,,1,valid")
        #expect(throws: DatasetError.invalid(file: "labels.csv", message: "the training split is empty (0 of 2 samples; data.split.strategy \"column\"); mark some rows split=train")) {
            try prepare(noTraining).checkTrainable()
        }
        try prepare(Self.files).checkTrainable()
        try prepare(Self.files, split: .stratified).checkTrainable()
    }

    @Test func aBadSplitValueIsShown() {
        #expect(throws: DatasetError.csv(file: "labels.csv", line: 3, column: 5, message: "split must be train, valid or test, found \"tset\"")) {
            try prepare(Self.changing("labels.csv", "0,test", "0,tset"))
        }
        #expect(throws: DatasetError.csv(file: "labels.csv", line: 3, column: 5, message: "split must be train, valid or test, found an empty field")) {
            try prepare(Self.changing("labels.csv", "0,test", "0,"))
        }
    }
}
