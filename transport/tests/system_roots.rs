//! The default trust anchors are the system store (feature `native-roots`). rustls-native-certs
//! honours `SSL_CERT_FILE`, so pointing it at a generated CA shows that the default options
//! really consult the system store. Own test binary: the variable is process-wide.
#![cfg(feature = "native-roots")]

mod common;

use common::{pump, server_config, TlsPeer};
use mqtt_testkit::TestPki;
use mqtt_transport::{ServerUrl, TlsOptions, Transport, TransportError, TransportOptions};

#[test]
fn default_options_trust_the_system_store() {
    let pki = TestPki::generate().unwrap();
    let dir = std::env::temp_dir().join(format!("mqtt-transport-roots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.crt");
    std::fs::write(&ca, &pki.ca_cert_pem).unwrap();
    std::env::set_var("SSL_CERT_FILE", &ca);
    std::env::remove_var("SSL_CERT_DIR");

    let url = ServerUrl::parse("mqtts://localhost").unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = Transport::new(&url, &TransportOptions::default()).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(
        client.is_ready(),
        "the system store (SSL_CERT_FILE) was not used"
    );

    // An explicit CA replaces the default: the system store is then not consulted.
    let stranger = TestPki::generate().unwrap();
    let only_stranger = TlsOptions::new().ca_pem(stranger.ca_cert_pem.clone());
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = Transport::new(
        &url,
        &TransportOptions::default().with_tls(only_stranger.clone()),
    )
    .unwrap();
    assert!(matches!(
        pump(&mut client, &mut server),
        Err(TransportError::Tls(_))
    ));

    // Unless asked for as well.
    let both = only_stranger.system_roots();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = Transport::new(&url, &TransportOptions::default().with_tls(both)).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(client.is_ready());

    let _ = std::fs::remove_dir_all(&dir);
}
