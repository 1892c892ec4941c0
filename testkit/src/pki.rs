//! Throwaway certificates for TLS tests, generated with rcgen.

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use crate::error::{Error, Result};

/// A private certificate authority with a server certificate (SAN `127.0.0.1`, `::1` and
/// `localhost`) and a client certificate for mutual TLS, all in PEM.
///
/// Keys are ECDSA P-256. Every call generates new keys, so two `TestPki`s do not trust each
/// other: handy for "unknown CA" tests.
///
/// ```
/// let pki = mqtt_testkit::TestPki::generate()?;
/// assert!(pki.ca_cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
/// assert!(pki.client_key_pem.contains("PRIVATE KEY"));
/// # Ok::<(), mqtt_testkit::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct TestPki {
    /// The CA certificate (the trust anchor clients need).
    pub ca_cert_pem: String,
    /// The server certificate, signed by the CA.
    pub server_cert_pem: String,
    /// The server's private key (PKCS#8).
    pub server_key_pem: String,
    /// The client certificate for mutual TLS, signed by the CA (common name `mqtt-test-client`).
    pub client_cert_pem: String,
    /// The client's private key (PKCS#8).
    pub client_key_pem: String,
}

impl std::fmt::Debug for TestPki {
    // Keys stay out of logs, even throwaway ones.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPki").finish_non_exhaustive()
    }
}

/// The server names the server certificate is valid for.
pub const SERVER_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

impl TestPki {
    /// Generates a CA, a server certificate and a client certificate.
    pub fn generate() -> Result<TestPki> {
        let cert_err = |e: rcgen::Error| Error::Certificate {
            message: e.to_string(),
        };

        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(cert_err)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().map_err(cert_err)?;
        // A name unique to this CA: two `TestPki`s must not even look related (same-name CAs
        // make verifiers report a bad signature instead of an unknown issuer).
        let id: String = ca_key.public_key_raw()[1..9]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("mqtt-testkit CA {id}"));
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        set_validity(&mut ca_params);
        let ca_cert = ca_params.self_signed(&ca_key).map_err(cert_err)?;
        let ca_cert_pem = ca_cert.pem();
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf = |names: Vec<String>, cn: &str, eku: ExtendedKeyUsagePurpose| {
            let mut params = CertificateParams::new(names).map_err(cert_err)?;
            params.distinguished_name.push(DnType::CommonName, cn);
            params.use_authority_key_identifier_extension = true;
            params.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ];
            params.extended_key_usages = vec![eku];
            set_validity(&mut params);
            let key = KeyPair::generate().map_err(cert_err)?;
            let cert = params.signed_by(&key, &issuer).map_err(cert_err)?;
            Ok::<_, Error>((cert.pem(), key.serialize_pem()))
        };
        let (server_cert_pem, server_key_pem) = leaf(
            SERVER_NAMES.iter().map(|s| s.to_string()).collect(),
            "localhost",
            ExtendedKeyUsagePurpose::ServerAuth,
        )?;
        let (client_cert_pem, client_key_pem) = leaf(
            Vec::new(),
            "mqtt-test-client",
            ExtendedKeyUsagePurpose::ClientAuth,
        )?;
        Ok(TestPki {
            ca_cert_pem,
            server_cert_pem,
            server_key_pem,
            client_cert_pem,
            client_key_pem,
        })
    }
}

/// A fixed, wide validity window: independent of the clock, which tests never read.
fn set_validity(params: &mut CertificateParams) {
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2120, 1, 1);
}
