//! The subscription registry: which filters this client holds, and which of
//! them an inbound message matches.

use alloc::collections::BTreeMap;

use crate::codec::{ByteStr, Publish, QoS, SubscriptionOptions};
use crate::topic;

/// Where a subscription stands with the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriptionState {
    /// SUBSCRIBE queued or sent, SUBACK not yet received. Messages are already
    /// routed to it (a persistent session may deliver before SUBACK).
    Pending,
    /// The broker granted this QoS.
    Granted(QoS),
}

/// One subscription of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Topic filter as subscribed (including any `$share/{group}/` prefix).
    pub filter: ByteStr,
    /// Options as requested.
    pub options: SubscriptionOptions,
    /// MQTT 5 Subscription Identifier of the SUBSCRIBE, if any.
    pub identifier: Option<u32>,
    /// Where it stands.
    pub state: SubscriptionState,
}

/// The client's subscriptions, keyed by filter. Subscribing a filter again
/// replaces its entry; a filter leaves at UNSUBACK, or at a SUBACK failure code.
///
/// # Routing
/// [`matching`](Self::matching) yields every subscription whose filter
/// matches the message's topic (a shared filter matches as its inner filter),
/// except that when the message carries MQTT 5 Subscription Identifiers, a
/// subscription that has an identifier is yielded only if the message
/// carries that identifier. So with overlapping filters each matching
/// subscription gets the message once per delivered copy: brokers that send one
/// copy per client (Mosquitto) reach every matching handler once; for a
/// broker that sends one copy per matching subscription, give every
/// subscription an identifier so that each copy reaches exactly its handler.
///
/// ```
/// use mqtt_sansio::client::{Client, Config};
/// use mqtt_sansio::codec::{SubscribeFilter, SubscriptionOptions, Properties};
/// use mqtt_sansio::QoS;
/// use core::time::Duration;
///
/// let mut client = Client::<Duration>::new(Config::default()).unwrap();
/// let now = Duration::ZERO;
/// let filters = vec![
///     SubscribeFilter { filter: "weather/+/temp".into(), options: SubscriptionOptions::new(QoS::AtMostOnce) },
///     SubscribeFilter { filter: "weather/#".into(), options: SubscriptionOptions::new(QoS::AtMostOnce) },
/// ];
/// client.subscribe(now, filters, Properties::default()).unwrap();
/// let hits: Vec<&str> = client.subscriptions().matching_topic("weather/oslo/temp", &[])
///     .map(|s| &*s.filter).collect();
/// assert_eq!(hits, ["weather/#", "weather/+/temp"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Subscriptions {
    map: BTreeMap<ByteStr, Subscription>,
    /// Granted subscriptions replaced by a pending SUBSCRIBE of the same
    /// filter: put back if the broker refuses the new one (it keeps the old
    /// one then), dropped when it grants it.
    replaced: BTreeMap<ByteStr, Subscription>,
}

impl Subscriptions {
    /// Number of subscriptions.
    pub fn len(&self) -> usize {
        self.map.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    /// The subscription for exactly this filter.
    pub fn get(&self, filter: &str) -> Option<&Subscription> {
        self.map.get(filter)
    }
    /// All subscriptions, ordered by filter.
    pub fn iter(&self) -> impl Iterator<Item = &Subscription> + '_ {
        self.map.values()
    }
    /// The subscriptions an inbound message is for (see the type's docs).
    pub fn matching<'a>(
        &'a self,
        publish: &'a Publish,
    ) -> impl Iterator<Item = &'a Subscription> + 'a {
        self.matching_topic(&publish.topic, &publish.properties.subscription_identifiers)
    }
    /// Like [`matching`](Self::matching), from a topic and the message's
    /// subscription identifiers.
    pub fn matching_topic<'a>(
        &'a self,
        topic: &'a str,
        identifiers: &'a [u32],
    ) -> impl Iterator<Item = &'a Subscription> + 'a {
        self.map.values().filter(move |s| {
            if let Some(id) = s.identifier {
                if !identifiers.is_empty() && !identifiers.contains(&id) {
                    return false;
                }
            }
            topic::matches(&s.filter, topic)
        })
    }

    pub(crate) fn insert(&mut self, sub: Subscription) {
        if let Some(old) = self.map.insert(sub.filter.clone(), sub) {
            if old.state != SubscriptionState::Pending {
                self.replaced.insert(old.filter.clone(), old);
            }
        }
    }
    pub(crate) fn remove(&mut self, filter: &str) {
        self.map.remove(filter);
        self.replaced.remove(filter);
    }
    /// The broker granted the pending subscription of `filter`.
    pub(crate) fn grant(&mut self, filter: &str, qos: QoS) {
        if let Some(s) = self.map.get_mut(filter) {
            s.state = SubscriptionState::Granted(qos);
            self.replaced.remove(filter);
        }
    }
    /// The pending subscription of `filter` was refused (or will never be
    /// sent): the subscription it replaced, if any, is back; else it goes.
    pub(crate) fn refuse(&mut self, filter: &str) {
        if self
            .map
            .get(filter)
            .is_some_and(|s| s.state == SubscriptionState::Pending)
        {
            match self.replaced.remove(filter) {
                Some(old) => {
                    self.map.insert(old.filter.clone(), old);
                }
                None => {
                    self.map.remove(filter);
                }
            }
        }
    }
    pub(crate) fn get_mut(&mut self, filter: &str) -> Option<&mut Subscription> {
        self.map.get_mut(filter)
    }
}
