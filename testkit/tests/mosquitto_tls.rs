//! The private Mosquitto TLS instance starts, listens where it says, and goes away on drop.
//! (TLS handshakes through it are tested in mqtt-transport, which has the TLS client.)

use mqtt_testkit::{is_listening, MosquittoTls};

#[test]
fn mosquitto_tls_listens_on_both_ports_and_stops_on_drop() {
    let broker = MosquittoTls::start().expect("mosquitto must be installed (.ci/run installs it)");
    assert!(is_listening(broker.addr()));
    assert!(is_listening(broker.mtls_addr()));
    assert_eq!(broker.url(), format!("mqtts://{}", broker.addr()));
    assert_eq!(broker.mtls_url(), format!("mqtts://{}", broker.mtls_addr()));
    for path in [
        broker.ca_cert_path(),
        broker.client_cert_path(),
        broker.client_key_path(),
    ] {
        let pem = std::fs::read_to_string(path).unwrap();
        assert!(pem.starts_with("-----BEGIN "), "{}", path.display());
    }
    let (tls, mtls) = (broker.addr(), broker.mtls_addr());
    drop(broker);
    assert!(!is_listening(tls), "TLS listener still up after drop");
    assert!(!is_listening(mtls), "mTLS listener still up after drop");
}

#[test]
fn two_instances_get_different_ports_and_certificates() {
    let a = MosquittoTls::start().unwrap();
    let b = MosquittoTls::start().unwrap();
    assert_ne!(a.addr(), b.addr());
    assert_ne!(a.pki().ca_cert_pem, b.pki().ca_cert_pem);
}
