import KubeModel
import PropertyBased
import Testing

/// Random valid label selectors, built from the grammar's pieces (including the
/// awkward ones: empty values, `in`/`notin` as words, prefixed keys).
private let selectorGen = Generator<LabelSelector, Shrink.None<LabelSelector>> { rng in
    let words = ["a", "b", "app", "in", "notin", "x1", "My_Value", "v.1", "0", "9z"]
    let prefixes = ["", "example.com/", "k8s.io/", "a.b-c/"]
    func int(_ n: Int) -> Int { Int.random(in: 0..<n, using: &rng) }
    func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
    func word() -> String { pick(words) }
    var reqs: [LabelRequirement] = []
    let count = int(6)
    for _ in 0..<count {
        let key = pick(prefixes) + word()
        let op = pick(LabelRequirement.Operator.allCases)
        var values: [String]
        switch op {
        case .exists, .doesNotExist: values = []
        case .greaterThan, .lessThan: values = [String(int(1000))]
        case .in, .notIn: values = (0...int(3)).map { _ in int(4) == 0 ? "" : word() }
        default: values = [int(5) == 0 ? "" : word()]
        }
        if let r = try? LabelRequirement(key: key, op: op, values: values) { reqs.append(r) }
    }
    return LabelSelector(requirements: reqs)
}

@Suite("Label selector properties")
struct SelectorPropertyTests {
    @Test("parse(canonical(selector)) == selector")
    func roundTrip() async {
        await propertyCheck(count: 500, input: selectorGen) { selector in
            let text = selector.description
            let reparsed = try? LabelSelector(parsing: text)
            #expect(reparsed == selector, "canonical form \(text)")
            #expect(reparsed?.description == text)
        }
    }

    @Test("arbitrary text either parses to a selector whose canonical form is stable, or fails with a message")
    func arbitraryText() async {
        let alphabet = Array("ab=!,() <>in-./_1 ")
        let gen = Gen.element(of: alphabet).compactMap { $0 }.array(of: 0...16).map { String($0) }
        await propertyCheck(count: 500, input: gen) { text in
            do throws(SelectorError) {
                let s = try LabelSelector(parsing: text)
                let again = try? LabelSelector(parsing: s.description)
                #expect(again == s, "input \(text)")
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
    }
}
