import Foundation
import Testing
@testable import Support

/// Config messages, word for word: each names the JSON path, what was expected and the value
/// found (issue 13, point 6). Every case here read differently before.
@Suite struct ConfigMessageTests {
    /// The same small schema as `ConfigTests` (every kind of field a message can name).
    let schema = ConfigTests().schema

    /// The full message (`<file>: <path>: <message>`, the file being `--set …` for an override)
    /// of loading `json` with `overrides`, with the temporary folder written as `DIR`.
    func message(_ json: String, overrides: [String] = []) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-msg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try json.write(toFile: dir + "/e.json", atomically: true, encoding: .utf8)
        do {
            _ = try ConfigLoader.load(path: dir + "/e.json", overrides: overrides, schema: schema)
            return "no error"
        } catch {
            return error.description.replacingOccurrences(of: dir, with: "DIR")
        }
    }

    @Test func numberTooLargeForAFloatIsASyntaxErrorWithItsPosition() throws {
        #expect(try message("{\"training\": {\n  \"lr\": 1e400}}")
                == "DIR/e.json: invalid JSON at line 2, column 9: number 1e400 is too large for a 64-bit float")
        #expect(try message(#"{"seeds": -12e999}"#) == "DIR/e.json: invalid JSON at line 1, column 11: number -12e999 is too large for a 64-bit float")
    }

    @Test func infinityReachingValidationIsCalledInfinity() {
        #expect(throws: ConfigError(path: "training.lr", message: "expected a number, found infinity")) {
            try ConfigType.number(min: 0).validate(.number(.infinity), path: "training.lr")
        }
        #expect(throws: ConfigError(path: "training.epochs", message: "expected a whole number, found negative infinity")) {
            try ConfigType.integer().validate(.number(-.infinity), path: "training.epochs")
        }
    }

    /// A member's `null` deletes it (JSON Merge Patch), so only a `null` in a list reaches validation.
    @Test func nullIsFoundNull() throws {
        #expect(try message(#"{"seeds": [1, null]}"#) == "DIR/e.json: seeds[1]: expected a whole number, found null")
        #expect(try message(#"{"training": {"lr": null, "schedule": null}}"#) == "no error")
    }

    @Test func wholeNumberWithAFraction() throws {
        #expect(try message(#"{"training": {"epochs": 1.5}}"#) == "DIR/e.json: training.epochs: found 1.5, not a whole number")
    }

    @Test func wholeNumberBeyondTwoToThe53() throws {
        #expect(try message(#"{"seeds": 123456789012345678901234567890}"#)
                == "DIR/e.json: seeds[0]: found 1.2345678901234568e+29, larger than the largest whole number allowed (9007199254740992)")
        #expect(throws: ConfigError(path: "n", message: "found -1e+20, smaller than the smallest whole number allowed (-9007199254740992)")) {
            try ConfigType.integer().validate(.number(-1e20), path: "n")
        }
        // A bound of the schema is the better message when there is one.
        #expect(try message(#"{"training": {"epochs": -1e20}}"#) == "DIR/e.json: training.epochs: -1e+20 is below the minimum 1")
    }

    @Test func trailingCommaInAnObjectPointsAtTheComma() throws {
        #expect(try message("{\n  \"name\": \"x\",\n}") == "DIR/e.json: invalid JSON at line 2, column 14: trailing comma before \"}\"")
    }

    @Test func trailingCommaInAnArrayPointsAtTheComma() throws {
        #expect(try message("{\"seeds\": [1, 2, ]}") == "DIR/e.json: invalid JSON at line 1, column 16: trailing comma before \"]\"")
    }

    @Test func missingCommaNoLongerSuggestsATrailingOne() throws {
        #expect(try message("{\"name\": \"x\" \"seeds\": 1}") == "DIR/e.json: invalid JSON at line 1, column 14: expected \",\" or \"}\" (a missing comma?)")
    }

    @Test func unexpectedCharacterIsShownWhole() throws {
        #expect(try message("{\"name\": é}") == "DIR/e.json: invalid JSON at line 1, column 10: unexpected character \"é\"; a value was expected")
    }

    @Test func unicodeEscapeNeedsFourHexDigits() {
        #expect(throws: JSONSyntaxError(line: 1, column: 4, message: "invalid \\u escape; four hexadecimal digits expected")) {
            try JSONParser.parse(#"["\u+041"]"#)
        }
    }

    @Test func wrongTypesShowTheValueOnOneLine() throws {
        #expect(try message(#"{"name": {"a": 1, "b": [1, 2]}}"#) == "DIR/e.json: name: expected a string, found an object {\"a\": 1, \"b\": [1, 2]}")
        #expect(try message(#"{"model": {"fusion": {"type": 3}}}"#)
                == "DIR/e.json: model.fusion.type: expected one of attention, concat, found a number 3")
        #expect(try message(#"{"extends": 3}"#) == "DIR/e.json: extends: expected a path or a list of paths, found a number 3")
        #expect(try message(#"{"extends": [true]}"#) == "DIR/e.json: extends[0]: expected a path string, found a boolean true")
    }

    @Test func overridesGiveTheSameMessages() throws {
        #expect(try message("{}", overrides: ["training.lr=1e400"])
                == "--set training.lr=1e400: training.lr: number 1e400 is too large for a 64-bit float")
        #expect(try message("{}", overrides: ["seeds=[1, 2,]"])
                == "--set seeds=[1, 2,]: seeds: invalid JSON at column 6: trailing comma before \"]\"")
        #expect(try message("{}", overrides: ["seeds=[null]"]) == "DIR/e.json: seeds[0]: expected a whole number, found null")
        #expect(try message("{}", overrides: ["training.epochs=2.5"]) == "DIR/e.json: training.epochs: found 2.5, not a whole number")
        // Text that is not JSON is still a plain string.
        #expect(try message("{}", overrides: ["name=1e400-run"]) == "no error")
    }
}
