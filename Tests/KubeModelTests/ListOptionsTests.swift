import KubeModel
import Testing

@Suite("List options")
struct ListOptionsTests {
    @Test("render the query client-go sends: canonical selectors, unset options left out")
    func queryItems() throws {
        #expect(ListOptions().queryItems.isEmpty)
        let options = ListOptions(
            labelSelector: try LabelSelector(parsing: "tier in (b,a), app=web"),
            fieldSelector: try FieldSelector(parsing: "spec.nodeName=n1"), limit: 500, continueToken: "abc",
            resourceVersion: 42, resourceVersionMatch: .notOlderThan, timeoutSeconds: 300, allowWatchBookmarks: true,
            sendInitialEvents: false)
        #expect(
            options.queryItems == [
                "labelSelector": ["app=web,tier in (a,b)"], "fieldSelector": ["spec.nodeName=n1"], "limit": ["500"],
                "continue": ["abc"], "resourceVersion": ["42"], "resourceVersionMatch": ["NotOlderThan"],
                "timeoutSeconds": ["300"], "allowWatchBookmarks": ["true"], "sendInitialEvents": ["false"],
            ])
        // resourceVersion 0 ("any") is an option of its own, not "unset".
        #expect(ListOptions(resourceVersion: 0).queryItems == ["resourceVersion": ["0"]])
        // limit 0 or below is no limit.
        #expect(ListOptions(limit: 0).queryItems.isEmpty && ListOptions(limit: 0).pageLimit == nil)
    }

    @Test(
        "parse a server's resourceVersion once into a number",
        arguments: [
            ("", nil), ("0", 0), ("123", 123), ("18446744073709551615", UInt64.max), ("-1", nil), ("abc", nil),
        ] as [(String, UInt64?)])
    func parseResourceVersion(text: String, expected: UInt64?) {
        #expect(ListOptions.resourceVersion(parsing: text) == expected)
    }
}
