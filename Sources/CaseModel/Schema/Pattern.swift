import Foundation

/// A compiled ECMA-262 regular expression for `pattern` and `patternProperties`: compiled once
/// with the schema, unanchored search as JSON Schema requires.
///
/// Most patterns run on ``RegexProgram``, an NFA simulation that is linear in the input (no
/// catastrophic backtracking on hostile strings) and ECMA-exact for `\d`, `\w`, `\s`. Patterns
/// using features it lacks (lookaround, backreferences, script properties) fall back to
/// `NSRegularExpression`.
final class Pattern: @unchecked Sendable {  // immutable; the DFA view points into `engine`'s DFA
    let source: String
    private let engine: Engine
    /// The ASCII DFA's tables, read without retaining the engine objects (the hot path of
    /// validation); the DFA stays alive through `engine`.
    private let dfa: RegexProgram.DFA.View?

    private enum Engine: Sendable {
        case program(RegexProgram)
        case foundation(NSRegularExpression)
    }

    init(_ source: String) throws(SchemaCompileError) {
        self.source = source
        do {
            let program = try RegexProgram(pattern: source)
            engine = .program(program)
            dfa = program.dfa?.view
        } catch RegexProgram.CompileError.unsupported {
            dfa = nil
            do {
                engine = .foundation(try NSRegularExpression(pattern: Pattern.translate(source), options: []))
            } catch {
                throw SchemaCompileError(code: .invalidPattern, detail: "regular expression \(source) does not compile")
            }
        } catch {
            throw SchemaCompileError(code: .invalidPattern, detail: "regular expression \(source) is not valid ECMA-262 syntax")
        }
    }

    /// True when the expression matches anywhere in `string`.
    func matches(_ string: String) -> Bool {
        if let dfa, let result = string.utf8.withContiguousStorageIfAvailable({ dfa.matches($0) }), let result {
            return result
        }
        switch engine {
        case .program(let program):
            return program.matches(string)
        case .foundation(let regex):
            return regex.firstMatch(in: string, options: [], range: NSRange(location: 0, length: string.utf16.count)) != nil
        }
    }

    /// For the fallback: ECMA's `\d` and `\w` are ASCII-only, ICU's are not.
    static func translate(_ pattern: String) -> String {
        var out = ""
        var inClass = false
        var iterator = pattern.unicodeScalars.makeIterator()
        while let c = iterator.next() {
            if c == "\\" {
                guard let next = iterator.next() else { out += "\\"; break }
                switch next {
                case "d": out += inClass ? "0-9" : "[0-9]"
                case "D": out += inClass ? "\\D" : "[^0-9]"
                case "w": out += inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]"
                case "W": out += inClass ? "\\W" : "[^a-zA-Z0-9_]"
                default:
                    out.unicodeScalars.append("\\")
                    out.unicodeScalars.append(next)
                }
                continue
            }
            if c == "[" && !inClass { inClass = true } else if c == "]" && inClass { inClass = false }
            out.unicodeScalars.append(c)
        }
        return out
    }
}
