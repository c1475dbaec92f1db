//! Trusted proxies: whose `X-Forwarded-For` tells the caller's address.
//!
//! The caller's address is what sign-in throttling counts failures against and what the audit
//! log records as where a change came from. Behind a reverse proxy every request comes from the
//! proxy, so the proxy's own address would throttle and be recorded for everybody; the proxy
//! names the real caller in `X-Forwarded-For`. Anybody can send that header, though, so it is
//! believed only from a peer listed in `trusted_proxies`, and only as far as trusted proxies
//! wrote it:
//!
//! - From a peer that isn't trusted, the header is ignored: the caller is the peer.
//! - From a trusted peer, the header is read from the right (the entry the nearest proxy added)
//!   to the left, skipping trusted addresses; the first address that isn't trusted is the
//!   caller. When every entry is trusted, the leftmost one is.
//! - An entry that isn't an address, met on that walk, makes the caller the peer itself: the
//!   proxy sent something it shouldn't, and the header can't be believed beyond that point. An
//!   entry further left, beyond the first untrusted address, is never read, since the client
//!   wrote it: a client can't make its requests count as the proxy's by sending garbage there.
//! - An entry may carry a port (`192.0.2.1:5060`, `[2001:db8::1]:443`), which is dropped. An
//!   IPv4 address mapped into IPv6 (`::ffff:192.0.2.1`) counts as the IPv4 address.

use std::net::IpAddr;

use axum::http::HeaderMap;
use axum::http::header::HeaderName;

use crate::ServerError;

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The peers whose `X-Forwarded-For` is believed: IP addresses and CIDR ranges. Empty (the
/// default), the header is never read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<AddressRange>);

/// An address and the number of leading bits an address must share with it to belong to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct AddressRange {
    network: IpAddr,
    prefix: u8,
}

impl TrustedProxies {
    /// The `trusted_proxies` setting, each entry an IP address (`192.0.2.10`, `2001:db8::10`) or
    /// a CIDR range (`10.0.0.0/8`, `2001:db8::/32`). A wrong entry is refused, named, with what
    /// is wrong with it.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, ServerError> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref();
                AddressRange::parse(entry)
                    .map_err(|reason| ServerError::TrustedProxy { entry: entry.to_owned(), reason })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `address` is one of the trusted proxies.
    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(address))
    }

    /// The caller's address: the peer's, or the one its `X-Forwarded-For` names when the peer is
    /// a trusted proxy (see the module's rules).
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let mut leftmost = None;
        // Several header lines make one list, in their order: walked from the last line's end.
        for line in headers.get_all(&X_FORWARDED_FOR).iter().rev() {
            let Ok(line) = line.to_str() else { return peer };
            for entry in line.rsplit(',') {
                let Some(address) = forwarded_address(entry) else { return peer };
                if !self.trusts(address) {
                    return address;
                }
                leftmost = Some(address);
            }
        }
        leftmost.unwrap_or(peer)
    }
}

/// One entry of `X-Forwarded-For`: an address, perhaps with a port.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let address = match entry.parse::<IpAddr>() {
        Ok(address) => address,
        Err(_) => entry.parse::<std::net::SocketAddr>().ok()?.ip(),
    };
    Some(address.to_canonical())
}

impl AddressRange {
    /// An address (the range of that address alone) or `ADDRESS/PREFIX`; the error says why not.
    fn parse(entry: &str) -> Result<AddressRange, String> {
        let entry = entry.trim();
        let (address, prefix) = match entry.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (entry, None),
        };
        let network: IpAddr = address.parse().map_err(|_| {
            "it isn't an IP address or a CIDR range such as 192.0.2.10, 10.0.0.0/8 or 2001:db8::/32".to_owned()
        })?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|&p| p <= bits)
                .ok_or_else(|| format!("the prefix length after '/' must be a number from 0 to {bits}"))?,
        };
        let range = AddressRange { network, prefix };
        let lowest = range.lowest();
        if lowest != network {
            return Err(format!(
                "the address has bits set beyond the /{prefix} prefix (write the range as {lowest}/{prefix})"
            ));
        }
        Ok(range)
    }

    /// The first address of the range (the network's bits, the rest zero).
    fn lowest(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) & v4_mask(self.prefix)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) & v6_mask(self.prefix)).into()),
        }
    }

    fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(a)) => (u32::from(a) ^ u32::from(network)) & v4_mask(self.prefix) == 0,
            (IpAddr::V6(network), IpAddr::V6(a)) => (u128::from(a) ^ u128::from(network)) & v6_mask(self.prefix) == 0,
            _ => false,
        }
    }
}

/// The `prefix` leading bits of an IPv4 address set, the others clear.
fn v4_mask(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

/// The `prefix` leading bits of an IPv6 address set, the others clear.
fn v6_mask(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}
