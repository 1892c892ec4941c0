//! The async client's integration suite (`mqtt_testkit::async_suite`: client
//! API, features, Machine Head's expectations, transports, error text),
//! written once for every runtime and run here on a tokio runtime.

mod rt;

mqtt_testkit::async_suite_tests!(mqtt_tokio::Tokio, run = |f| super::rt::block_on(f));
