//! A real OpenLDAP server for tests: `slapd` from Debian's package, started as the test's own
//! user on a free loopback port, with its configuration (cn=config, built with `slapadd`: the
//! core, cosine and inetorgperson schemas and one mdb database, indexed on the attributes the
//! portal finds users by, with the portal's own account set up as the README says) and data in
//! a temp directory.
//! Dropping it stops the server. Tests use `ldapadd`/`ldapsearch` from ldap-utils to load and
//! read entries. (The edit-page benchmark uses it too.)

#![allow(dead_code, reason = "the tests and the benchmark each use part of it")]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The suffix of the test database, and its administrator.
pub(crate) const SUFFIX: &str = "dc=example,dc=com";
pub(crate) const ADMIN_DN: &str = "cn=admin,dc=example,dc=com";
pub(crate) const ADMIN_PASSWORD: &str = "test-admin-secret";
/// Where the users go.
pub(crate) const PEOPLE_DN: &str = "ou=people,dc=example,dc=com";
/// The portal's own account, as the README sets it up: not the administrator, so access
/// controls and limits apply to it (it may write everything; its size limit is lifted above
/// the database's small one, which listing more than 20 users needs).
pub(crate) const PORTAL_DN: &str = "cn=portal,dc=example,dc=com";
pub(crate) const PORTAL_PASSWORD: &str = "test-portal-secret";

pub(crate) struct Slapd {
    child: Child,
    pub(crate) url: String,
    /// With [`Slapd::start_tls`]: the ldaps:// URL, and the test CA that signed the server's
    /// certificate (for 127.0.0.1), which StartTLS on [`Slapd::url`] offers too.
    pub(crate) tls: Option<(String, std::path::PathBuf)>,
    _dir: tempfile::TempDir,
}

/// Whether slapd and ldap-utils are installed (`scripts/install-tools.sh` installs them).
pub(crate) fn installed() -> bool {
    ["/usr/sbin/slapd", "/usr/sbin/slapadd", "/usr/bin/ldapadd"]
        .iter()
        .all(|tool| Path::new(tool).exists())
}

impl Slapd {
    /// Starts slapd with an empty database holding only the suffix, `ou=people` and the
    /// portal's account.
    pub(crate) fn start() -> Slapd {
        Self::start_with(false)
    }

    /// [`Slapd::start`], also serving TLS with a certificate of a CA made for the test
    /// (`openssl` makes both).
    pub(crate) fn start_tls() -> Slapd {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Slapd {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let tls_config = if tls {
            make_certificates(root);
            format!(
                "olcTLSCACertificateFile: {root}/ca.pem\nolcTLSCertificateFile: {root}/server.pem\n\
                 olcTLSCertificateKeyFile: {root}/server.key\n",
                root = root.display()
            )
        } else {
            String::new()
        };
        std::fs::create_dir_all(root.join("slapd.d")).expect("config dir");
        std::fs::create_dir_all(root.join("data")).expect("data dir");
        let config = format!(
            "dn: cn=config\nobjectClass: olcGlobal\ncn: config\nolcPidFile: {root}/slapd.pid\n\
             {tls_config}\n\
             dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n\
             include: file:///etc/ldap/schema/core.ldif\n\n\
             include: file:///etc/ldap/schema/cosine.ldif\n\n\
             include: file:///etc/ldap/schema/inetorgperson.ldif\n\n\
             dn: cn=module{{0}},cn=config\nobjectClass: olcModuleList\ncn: module{{0}}\n\
             olcModulePath: /usr/lib/ldap\nolcModuleLoad: back_mdb\n\n\
             dn: olcDatabase={{-1}}frontend,cn=config\nobjectClass: olcDatabaseConfig\n\
             objectClass: olcFrontendConfig\nolcDatabase: {{-1}}frontend\n\n\
             dn: olcDatabase={{0}}config,cn=config\nobjectClass: olcDatabaseConfig\n\
             olcDatabase: {{0}}config\nolcAccess: {{0}}to * by * none\n\n\
             dn: olcDatabase={{1}}mdb,cn=config\nobjectClass: olcDatabaseConfig\n\
             objectClass: olcMdbConfig\nolcDatabase: {{1}}mdb\nolcSuffix: {SUFFIX}\n\
             olcRootDN: {ADMIN_DN}\nolcRootPW: {ADMIN_PASSWORD}\n\
             olcDbDirectory: {root}/data\nolcDbMaxSize: 1073741824\n\
             olcDbIndex: objectClass,uid,mail,entryUUID eq\n\
             olcSizeLimit: 20\n\
             olcLimits: dn.exact=\"{PORTAL_DN}\" size=unlimited\n\
             olcAccess: {{0}}to attrs=userPassword by anonymous auth by * none\n\
             olcAccess: {{1}}to * by dn.exact=\"{PORTAL_DN}\" write by * read\n",
            root = root.display()
        );
        std::fs::write(root.join("config.ldif"), config).expect("config file");
        run(Command::new("/usr/sbin/slapadd")
            .args(["-n", "0", "-F"])
            .arg(root.join("slapd.d"))
            .arg("-l")
            .arg(root.join("config.ldif")));
        let port = free_port();
        let url = format!("ldap://127.0.0.1:{port}");
        let tls = tls.then(|| {
            (
                format!("ldaps://127.0.0.1:{}", free_port()),
                root.join("ca.pem"),
            )
        });
        let listeners = match &tls {
            Some((ldaps, _)) => format!("{url}/ {ldaps}/"),
            None => format!("{url}/"),
        };
        // `-d 0`: stay in the foreground (a child this test owns), logging nothing.
        let child = Command::new("/usr/sbin/slapd")
            .arg("-F")
            .arg(root.join("slapd.d"))
            .args(["-h", &listeners, "-d", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("slapd starts");
        let slapd = Slapd {
            child,
            url,
            tls,
            _dir: dir,
        };
        slapd.wait_ready();
        slapd.add(&format!(
            "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\n\
             o: Example\n\ndn: {PEOPLE_DN}\nobjectClass: organizationalUnit\nou: people\n\n\
             dn: {PORTAL_DN}\nobjectClass: organizationalRole\n\
             objectClass: simpleSecurityObject\ncn: portal\nuserPassword: {PORTAL_PASSWORD}\n"
        ));
        slapd
    }

    /// How the portal reaches this server: plain ldap:// on loopback, bound as its own account.
    pub(crate) fn portal_settings(&self) -> workmail_portal::directory::ldap::LdapSettings {
        workmail_portal::directory::ldap::LdapSettings {
            url: self.url.clone(),
            starttls: false,
            bind_dn: PORTAL_DN.to_owned(),
            bind_password: PORTAL_PASSWORD.to_owned(),
            users_dn: PEOPLE_DN.to_owned(),
            mapping: workmail_portal::directory::ldap::AttributeMap::default(),
            ca_file: None,
        }
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let probe = Command::new("/usr/bin/ldapsearch")
                .args(["-x", "-H", &self.url, "-b", "", "-s", "base", "-LLL"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if probe.is_ok_and(|status| status.success()) {
                return;
            }
            assert!(Instant::now() < deadline, "slapd did not answer in 10 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Loads LDIF with `ldapadd` as the administrator; panics with its message if it fails.
    pub(crate) fn add(&self, ldif: &str) {
        self.run_with_input("/usr/bin/ldapadd", ldif);
    }

    /// Runs an ldap-utils command as the administrator with `input` on stdin.
    fn run_with_input(&self, tool: &str, input: &str) {
        let mut child = Command::new(tool)
            .args(["-x", "-H", &self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ldapadd runs");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), input.as_bytes())
            .expect("LDIF written");
        drop(child.stdin.take());
        let output = child.wait_with_output().expect("ldapadd ends");
        assert!(
            output.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Replaces `attribute` of `dn` with `value` (none: deletes it) with `ldapmodify`, as
    /// another tool would, behind the portal's back.
    pub(crate) fn replace(&self, dn: &str, attribute: &str, value: Option<&str>) {
        let value = value
            .map(|v| format!("{attribute}: {v}\n"))
            .unwrap_or_default();
        self.run_with_input(
            "/usr/bin/ldapmodify",
            &format!("dn: {dn}\nchangetype: modify\nreplace: {attribute}\n{value}-\n"),
        );
    }

    /// The first value of `attribute` of the entry `uid=NAME` under `ou=people` ("" when it
    /// has none).
    pub(crate) fn value(&self, name: &str, attribute: &str) -> String {
        let entry = self.search(PEOPLE_DN, &format!("(uid={name})"), &[attribute]);
        let prefix = format!("{}:", attribute.to_ascii_lowercase());
        entry
            .lines()
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| {
                let rest = &line[prefix.len()..];
                match rest.strip_prefix(": ") {
                    Some(encoded) => {
                        use base64::Engine;
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(encoded)
                            .expect("base64");
                        String::from_utf8(bytes).expect("UTF-8")
                    }
                    None => rest.trim_start().to_owned(),
                }
            })
            .unwrap_or_default()
    }

    /// The entries under `base` matching `filter`, as `ldapsearch -LLL` prints them (long lines
    /// unfolded), with `attributes` (none: all).
    pub(crate) fn search(&self, base: &str, filter: &str, attributes: &[&str]) -> String {
        let output = Command::new("/usr/bin/ldapsearch")
            .args(["-x", "-LLL", "-o", "ldif-wrap=no", "-H", &self.url])
            .args(["-D", ADMIN_DN, "-w", ADMIN_PASSWORD, "-b", base, filter])
            .args(attributes)
            .output()
            .expect("ldapsearch runs");
        assert!(
            output.status.success(),
            "ldapsearch failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8")
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(command: &mut Command) {
    let output = command.output().expect("command runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CA and a server certificate it signed for 127.0.0.1, in `root` (`ca.pem`, `server.pem`,
/// `server.key`).
fn make_certificates(root: &Path) {
    let openssl = |args: &[&str]| {
        run(Command::new("openssl").current_dir(root).args(args));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=workmail-portal test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        root.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("extensions file");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}
