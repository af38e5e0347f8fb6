import CaseModel
import Ops
import Testing

@Suite("JSON patch and diff")
struct JSONPatchTests {
    func json(_ text: String) throws -> JSONValue { try JSONParser().parse(Array(text.utf8)) }
    func patch(_ text: String) throws -> JSONPatch { try JSONPatch(parsing: Array(text.utf8)) }

    @Test func appliesTheRFC6902Operations() throws {
        let document = try json(#"{"a":{"b":1,"c":[1,2,3]},"d":"x"}"#)
        let result = try patch("""
            [{"op":"add","path":"/a/e","value":{"f":true}},
             {"op":"remove","path":"/d"},
             {"op":"replace","path":"/a/b","value":2},
             {"op":"add","path":"/a/c/1","value":9},
             {"op":"add","path":"/a/c/-","value":4},
             {"op":"move","from":"/a/e","path":"/e"},
             {"op":"copy","from":"/a/b","path":"/b"},
             {"op":"test","path":"/b","value":2}]
            """).applied(to: document)
        #expect(result == (try json(#"{"a":{"b":2,"c":[1,9,2,3,4]},"e":{"f":true},"b":2}"#)))
    }

    @Test func failsAsAWholeAndNamesTheOperation() throws {
        let document = try json(#"{"a":1}"#)
        #expect(throws: JSONPatchError.self) { try patch(#"[{"op":"replace","path":"/a","value":2},{"op":"remove","path":"/missing"}]"#).applied(to: document) }
        #expect(throws: JSONPatchError.self) { try patch(#"[{"op":"test","path":"/a","value":2}]"#).applied(to: document) }
        #expect(throws: JSONPatchError.self) { try patch(#"[{"op":"replace","path":"/b","value":2}]"#).applied(to: document) }
        #expect(throws: JSONPatchError.self) { try patch(#"[{"op":"frobnicate","path":"/a"}]"#) }
        #expect(throws: JSONPatchError.self) { try patch(#"{"op":"add"}"#) }
    }

    @Test func aDiffBecomesThePatchThatMakesIt() throws {
        let before = try json(#"{"data":{"person":{"birthDate":"2099-01-01","names":["A"]},"gone":1},"id":"x"}"#)
        let after = try json(#"{"data":{"person":{"birthDate":"1990-01-01","names":["A","B"]},"new":true},"id":"x"}"#)
        let diff = JSONDiff(from: before, to: after)
        #expect(diff.changes.map(\.path) == ["/data/person/birthDate", "/data/person/names", "/data/gone", "/data/new"])
        #expect(try diff.patch.applied(to: before) == after)
        #expect(JSONDiff(from: before, to: before).changes.isEmpty)
    }
}
