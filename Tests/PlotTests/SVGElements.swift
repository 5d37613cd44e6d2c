import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The elements of an SVG document as parsed by an XML parser: a document that is not
/// well-formed XML fails the test that parses it.
final class SVGElements: NSObject, XMLParserDelegate {
    struct Element { var name: String; var attributes: [String: String]; var text = "" }
    private(set) var elements: [Element] = []
    private var open: [Int] = []

    static func parse(_ svg: String) throws -> [Element] {
        let collector = SVGElements()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        guard parser.parse() else { throw ParseError(message: parser.parserError.map { "\($0)" } ?? "unknown", svg: svg) }
        return collector.elements
    }

    struct ParseError: Error, CustomStringConvertible {
        var message: String, svg: String
        var description: String { "not well-formed XML (\(message)):\n\(svg.prefix(400))" }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append(Element(name: name, attributes: attributes))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let last = open.last { elements[last].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { open.removeLast() }
}

extension SVGElements.Element {
    func number(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }

    /// A polyline's or polygon's points as pairs.
    var points: [(Double, Double)] {
        (attributes["points"] ?? "").split(separator: " ").compactMap { pair in
            let xy = pair.split(separator: ",").compactMap { Double($0) }
            return xy.count == 2 ? (xy[0], xy[1]) : nil
        }
    }
}
