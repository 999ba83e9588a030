import Crypto
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A certificate and its private key, PEM-encoded.
public struct IssuedCertificate: Sendable {
    public var certificate: Certificate
    public var certificatePEM: String
    public var privateKeyPEM: String
    let key: P256.Signing.PrivateKey
}

/// Issues the certificates of a quick secure start (`ake certs`): a self-signed CA,
/// server certificates for host names and IP addresses, and client certificates whose
/// CommonName is the user and whose Organizations are the groups (what
/// `--client-ca-file` authentication reads). Keys are ECDSA P-256.
public struct CertificateIssuer: Sendable {
    public let ca: IssuedCertificate

    /// A new CA named `commonName`, valid for `days`.
    public init(commonName: String, days: Int, now: Date = Date()) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 60, notValidAfter: now + Double(days) * 86400, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
        self.ca = try Self.issued(certificate, key)
    }

    /// An existing CA (its certificate and PKCS#8 or SEC1 PEM key).
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate = try Certificate(pemEncoded: certificatePEM)
        let key = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        self.ca = try Self.issued(certificate, key)
    }

    static func issued(_ certificate: Certificate, _ key: P256.Signing.PrivateKey) throws -> IssuedCertificate {
        IssuedCertificate(
            certificate: certificate, certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: key.pemRepresentation, key: key)
    }

    /// A serving certificate for `hosts` (DNS names and IPv4/IPv6 addresses).
    public func server(commonName: String, hosts: [String], days: Int, now: Date = Date()) throws -> IssuedCertificate {
        let names: [GeneralName] = hosts.map { host in
            if let bytes = Self.ipAddressBytes(host) { return .ipAddress(ASN1OctetString(contentBytes: bytes[...])) }
            return .dnsName(host)
        }
        return try issue(
            subject: try DistinguishedName { CommonName(commonName) }, days: days, now: now,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            })
    }

    /// A client certificate for `user` in `groups`.
    public func client(user: String, groups: [String], days: Int, now: Date = Date()) throws -> IssuedCertificate {
        var subject = DistinguishedName()
        for group in groups {
            subject.append(
                try RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: group)))
        }
        subject.append(try RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: user)))
        return try issue(
            subject: subject, days: days, now: now,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.clientAuth])
            })
    }

    func issue(subject: DistinguishedName, days: Int, now: Date, extensions: Certificate.Extensions) throws
        -> IssuedCertificate
    {
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: now - 60,
            notValidAfter: now + Double(days) * 86400, issuer: ca.certificate.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: .init(ca.key))
        return try Self.issued(certificate, key)
    }

    /// The bytes of a dotted IPv4 or (full or `::`-compressed) IPv6 address, nil for a host name.
    static func ipAddressBytes(_ host: String) -> [UInt8]? {
        let v4 = host.split(separator: ".", omittingEmptySubsequences: false)
        if v4.count == 4, let octets = Optional(v4.compactMap { UInt8($0) }), octets.count == 4 { return octets }
        guard host.contains(":") else { return nil }
        let halves = host.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            s.isEmpty
                ? []
                : s.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0, radix: 16) }.reduce(
                    into: [UInt16]?([])
                ) { acc, g in
                    guard let g else {
                        acc = nil
                        return
                    }
                    acc?.append(g)
                }
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }
}
