import Foundation

/// The one place a validated config section becomes a typed struct. The schema has already
/// checked every value and filled every default, so a decoding failure is a programmer error
/// (a struct out of step with its schema; the options round-trip tests catch that).
public enum ConfigDecoding {
    public static func decode<T: Decodable>(_ type: T.Type, from section: JSONValue) -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(T.self, from: Data(section.rendered().utf8)) } catch {
            preconditionFailure("\(T.self) does not match its validated config section: \(error)")
        }
    }

    /// The section a typed struct stands for, for checking that nothing was left out.
    public static func encode<T: Encodable>(_ value: T) -> JSONValue {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try! encoder.encode(value)
        return try! JSONParser.parse(String(decoding: data, as: UTF8.self))
    }
}
