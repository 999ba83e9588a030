import KubeModel

/// `ValidateObjectMeta` for what the endpoint stores. KubeModel's `NameValidation` does
/// name, generateName, namespace, labels and annotations; finalizers are checked here.
enum MetadataValidation {
    /// All metadata problems of `object` stored as `info`.
    static func validate(_ object: JSONValue, info: ResourceInfo) -> [FieldError] {
        var causes = NameValidation.validateMetadata(of: object, for: info)
        for (i, finalizer) in object.objectFinalizers.enumerated() {
            for message in NameValidation.isQualifiedName(finalizer) {
                causes.append(.invalid("metadata.finalizers[\(i)]", finalizer, message))
            }
        }
        return causes
    }

    /// A DNS-1123 subdomain (what namespace and most object names are).
    static func isDNS1123Subdomain(_ s: String) -> Bool { NameValidation.isDNS1123Subdomain(s).isEmpty }
}
