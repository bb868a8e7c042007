//! Which address a request comes from. Without trusted proxies, the address that connected;
//! behind proxies the operator names (`PORTAL_TRUSTED_PROXIES`), the rightmost address in
//! `X-Forwarded-For` that is not one of them: the hops to its left are what the client itself
//! said, and anyone can say anything there.

use std::net::IpAddr;
use std::sync::Arc;

/// An address or a range of them (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressRange {
    network: IpAddr,
    prefix: u8,
}

impl AddressRange {
    /// Parses `address` or `address/prefix`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| format!("`{text}` is not an IP address or range"))?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("`{text}`: the prefix must be 0 to {bits}"))?,
        };
        Ok(Self { network, prefix })
    }

    /// Whether `address` is in the range.
    pub fn contains(&self, address: IpAddr) -> bool {
        let keep = |bits: u32, width: u32| -> u128 {
            if bits == 0 {
                0
            } else {
                (u128::MAX << (width - bits)) & (u128::MAX >> (128 - width))
            }
        };
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = keep(u32::from(self.prefix), 32);
                u128::from(u32::from(network)) & mask == u128::from(u32::from(address)) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = keep(u32::from(self.prefix), 128);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` the portal believes (none by default).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Arc<[AddressRange]>);

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(address))
    }

    /// The client of a request from `peer` carrying `forwarded_for` (its `X-Forwarded-For`
    /// values, in order, as sent; read only when `peer` is a trusted proxy). `None` when a
    /// trusted proxy forwarded it without naming a client it believes: the proxy's own address
    /// would put everyone behind it under one sign-in limit.
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl DoubleEndedIterator<Item = &'a [u8]>,
    ) -> Option<IpAddr> {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return Some(peer);
        }
        for value in forwarded_for.rev() {
            for hop in String::from_utf8_lossy(value).split(',').rev() {
                let address = parse_hop(hop)?;
                if !self.trusts(address) {
                    return Some(address);
                }
            }
        }
        None
    }
}

/// One hop of `X-Forwarded-For`: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:443`); IPv4-mapped IPv6 addresses as IPv4.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let address = if let Some(rest) = hop.strip_prefix('[') {
        rest.split_once(']').map(|(inside, _)| inside)?
    } else if hop.matches(':').count() == 1 {
        hop.split_once(':').map(|(address, _)| address)?
    } else {
        hop
    };
    address.parse::<IpAddr>().ok().map(|a| a.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn ranges_contain_their_addresses() {
        let range = AddressRange::parse("10.0.0.0/8").expect("range");
        assert!(range.contains(ip("10.1.2.3")));
        assert!(!range.contains(ip("11.0.0.1")));
        assert!(!range.contains(ip("::ffff:10.0.0.1")));
        let one = AddressRange::parse("192.0.2.7").expect("address");
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let all = AddressRange::parse("0.0.0.0/0").expect("everything");
        assert!(all.contains(ip("203.0.113.1")));
        let v6 = AddressRange::parse("2001:db8::/32").expect("v6");
        assert!(v6.contains(ip("2001:db8:1::1")) && !v6.contains(ip("2001:db9::1")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0.0/x", "::/129"] {
            assert!(AddressRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let proxies = TrustedProxies([AddressRange::parse("10.0.0.0/8").expect("range")].into());
        let proxy = ip("10.0.0.5");
        let client = |peer: IpAddr, values: &[&str]| {
            proxies.client(peer, values.iter().map(|v| v.as_bytes()))
        };
        // What the client wrote itself (the left) is not believed.
        let first = client(proxy, &["1.1.1.1, 203.0.113.9, 10.0.0.4"]);
        assert_eq!(first, Some(ip("203.0.113.9")));
        let split = client(proxy, &["198.51.100.1", "203.0.113.9"]);
        assert_eq!(split, Some(ip("203.0.113.9")));
        // Ports, brackets and IPv4-mapped addresses.
        assert_eq!(
            client(proxy, &["203.0.113.9:4711"]),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client(proxy, &["[2001:db8::1]:443"]),
            Some(ip("2001:db8::1"))
        );
        let mapped = client(ip("::ffff:10.0.0.5"), &["203.0.113.9"]);
        assert_eq!(mapped, Some(ip("203.0.113.9")));
        // No believable client: none, never the proxy (that would share its limits).
        assert_eq!(client(proxy, &[]), None);
        assert_eq!(client(proxy, &["203.0.113.9, junk"]), None);
        assert_eq!(proxies.client(proxy, [&b"\xff\xfe"[..]].into_iter()), None);
        // An untrusted peer's header is ignored.
        let direct = client(ip("198.51.100.7"), &["203.0.113.9"]);
        assert_eq!(direct, Some(ip("198.51.100.7")));
        let untrusting = TrustedProxies::default().client(proxy, [&b"203.0.113.9"[..]].into_iter());
        assert_eq!(untrusting, Some(proxy));
    }
}
