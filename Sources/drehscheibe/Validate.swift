import ArgumentParser
import CaseModel
import Foundation

/// `drehscheibe validate`: checks case messages against the contract offline, with the same
/// validator the router uses. Exit status 0 when all are valid, 1 when any is invalid, 2 for
/// usage errors and unreadable files.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check case messages against the Drehscheibe contract (offline).",
        usage: "drehscheibe validate [--schema FILE] [--schemas DIR] [--json] INSTANCE...",
        discussion: """
            Each INSTANCE is a JSON file ('-' reads standard input). Without --schema it must be a \
            complete CloudEvents envelope: the envelope is checked, then its data against the schema \
            of its type and version from the event catalogue, including code lists, machine-readable \
            zones and date rules.

            Options:
              --schema FILE   check each instance as a whole against this schema instead
              --schemas DIR   the contract directory (default: $DREHSCHEIBE_SCHEMAS, else Schemas/ \
            in the current directory or a parent)
              --json          one JSON object per instance and line: file, valid, errors \
            (instanceLocation, keywordLocation, absoluteKeywordLocation, keyword, error)

            Exit status: 0 all valid, 1 any invalid, 2 usage error or unreadable file.
            """
    )

    /// Captured raw so that usage errors exit with 2 (ArgumentParser's own parse errors exit 64).
    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp(visibility: .hidden))
    var arguments: [String] = []

    /// The real options, parsed in ``run()``.
    struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("Check each instance as a whole against this schema.", valueName: "FILE"))
        var schema: String?

        @Option(help: ArgumentHelp("The contract directory (default: $DREHSCHEIBE_SCHEMAS or ./Schemas).", valueName: "DIR"))
        var schemas: String?

        @Flag(help: "One JSON object per instance and line.")
        var json = false

        @Argument(help: ArgumentHelp("JSON files to check ('-' for standard input).", valueName: "INSTANCE"))
        var instances: [String] = []
    }

    /// What happened to one file.
    enum Outcome {
        case checked(ValidationResult, type: String?)
        case unreadable(String)
    }

    static let usageExit = ExitCode(2)

    func run() throws {
        let options: Options
        do {
            options = try Options.parse(arguments)
        } catch {
            if Options.exitCode(for: error) == .success {
                print(Self.helpMessage())
                return
            }
            Self.printError(Options.message(for: error))
            Self.printError("usage: \(Self.configuration.usage ?? "")")
            throw Self.usageExit
        }
        guard !options.instances.isEmpty else {
            Self.printError("no instance given")
            Self.printError("usage: \(Self.configuration.usage ?? "")")
            throw Self.usageExit
        }
        if let unknown = options.instances.first(where: { $0.hasPrefix("-") && $0 != "-" }) {
            Self.printError("unknown option \(unknown)")
            Self.printError("usage: \(Self.configuration.usage ?? "")")
            throw Self.usageExit
        }

        let directory = options.schemas.map { URL(fileURLWithPath: $0) } ?? CaseSchemas.locate()
        guard let directory else {
            Self.printError("no Schemas/ directory found here or above; pass --schemas DIR or set \(CaseSchemas.environmentVariable)")
            throw Self.usageExit
        }
        let contract: CaseSchemas
        do {
            contract = try CaseSchemas(directory: directory)
        } catch {
            Self.printError("cannot load the contract in \(directory.path): \(error)")
            throw Self.usageExit
        }
        var schema: CompiledSchema?
        if let path = options.schema {
            do {
                schema = try contract.compile(schemaFile: URL(fileURLWithPath: path))
            } catch {
                Self.printError("cannot use the schema \(path): \(error)")
                throw Self.usageExit
            }
        }

        var anyInvalid = false
        var anyUnreadable = false
        var validCount = 0
        for file in options.instances {
            let outcome = Self.check(file, contract: contract, schema: schema)
            switch outcome {
            case .unreadable: anyUnreadable = true
            case .checked(let result, _):
                if result.isValid { validCount += 1 } else { anyInvalid = true }
            }
            if case .unreadable(let reason) = outcome { Self.printError("\(file): \(reason)") }
            if options.json {
                print(Self.jsonLine(file: file, outcome: outcome))
            } else {
                Self.printHuman(file: file, outcome: outcome)
            }
        }
        if !options.json && options.instances.count > 1 {
            print("\(validCount) of \(options.instances.count) messages valid")
        }
        if anyUnreadable { throw Self.usageExit }
        if anyInvalid { throw ExitCode(1) }
    }

    static func check(_ file: String, contract: CaseSchemas, schema: CompiledSchema?) -> Outcome {
        let bytes: [UInt8]
        do {
            if file == "-" {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            }
        } catch {
            let reason = (error as? CocoaError)?.code == .fileReadNoSuchFile ? "no such file" : "cannot read the file"
            return .unreadable(reason)
        }
        let value: JSONValue
        do {
            value = try JSONParser().parse(bytes)
        } catch {
            // Not JSON at all is an invalid message, not a usage error.
            return .checked(ValidationResult(errors: [SchemaViolation(
                instanceLocation: .root, keywordLocation: .root, absoluteKeywordLocation: "", keyword: error.code.rawValue,
                message: "the file is not valid JSON: \(error)")]), type: nil)
        }
        let type = value["type"]?.stringValue
        if let schema { return .checked(schema.validate(value), type: type) }
        return .checked(contract.validate(envelope: value), type: type.flatMap { EventTypeName($0)?.full })
    }

    static func printHuman(file: String, outcome: Outcome) {
        switch outcome {
        case .unreadable:
            break  // reported on standard error
        case .checked(let result, let type):
            let what = type.map { " (\($0))" } ?? ""
            if result.isValid {
                print("\(file): valid\(what)")
            } else {
                let count = result.errors.count
                print("\(file): INVALID\(what), \(count) problem\(count == 1 ? "" : "s"):")
                for error in result.errors { print("  - \(error.message)") }
            }
        }
    }

    static func jsonLine(file: String, outcome: Outcome) -> String {
        var object = JSONObject()
        object["file"] = .string(file)
        switch outcome {
        case .unreadable(let reason):
            object["valid"] = .bool(false)
            object["readable"] = .bool(false)
            object["errors"] = .array([.object(["instanceLocation": "", "keywordLocation": "", "error": .string(reason)])])
        case .checked(let result, let type):
            if let type { object["type"] = .string(type) }
            object["valid"] = .bool(result.isValid)
            object["errors"] = .array(result.errors.map { error in
                .object([
                    "instanceLocation": .string(error.instanceLocation.description),
                    "keywordLocation": .string(error.keywordLocation.description),
                    "absoluteKeywordLocation": .string(error.absoluteKeywordLocation),
                    "keyword": .string(error.keyword),
                    "error": .string(error.message),
                ])
            })
        }
        return JSONValue.object(object).serializedString()
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("drehscheibe validate: \(message)\n".utf8))
    }
}
