//! The server key and what it protects: API keys sealed in sessions (XChaCha20-Poly1305, a
//! random nonce per seal, bound to the user id) and keyed fingerprints (HMAC-SHA-256) that let
//! the audit history show that a secret changed without holding it.

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::Path;

const NONCE_LEN: usize = 24;

/// Keys derived from the one server key.
#[derive(Clone)]
pub struct Crypto {
    aead: XChaCha20Poly1305,
    /// HMAC with its key already absorbed: each fingerprint clones it instead of hashing the
    /// key's two pads again.
    fingerprint_mac: Hmac<Sha256>,
    /// The same for the ids sessions are stored under.
    session_id_mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Crypto(********)")
    }
}

/// The sealed value could not be opened: wrong key, wrong user, or tampered.
#[derive(Debug, thiserror::Error)]
#[error("the sealed value could not be opened")]
pub struct OpenError;

impl Crypto {
    pub fn new(server_key: &[u8; 32]) -> Self {
        // Separate keys for separate jobs, so a fingerprint never helps against the cipher.
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut h = Sha256::new();
            h.update(label);
            h.update(server_key);
            h.finalize().into()
        };
        Crypto {
            aead: XChaCha20Poly1305::new(Key::from_slice(&derive(b"portal session seal v1"))),
            fingerprint_mac: <Hmac<Sha256> as Mac>::new_from_slice(&derive(
                b"portal audit fingerprint v1",
            ))
            .expect("HMAC takes keys of any length"),
            session_id_mac: <Hmac<Sha256> as Mac>::new_from_slice(&derive(b"portal session id v1"))
                .expect("HMAC takes keys of any length"),
        }
    }

    /// The server key from configuration (base64 of 32 bytes), or from `<data_dir>/secret.key`,
    /// generating that file (mode 0600) on first run. A configured key other than the one in
    /// that file is used, and said in the log: what the file's key sealed does not open under
    /// it, and the fingerprints it keys no longer match those recorded before.
    pub fn load_or_generate(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("secret.key");
        if let Some(b64) = configured {
            let key = decode_key(b64).context("PORTAL_SECRET_KEY")?;
            if unused_key_file(&key, &path) {
                tracing::warn!(
                    path = %path.display(),
                    "the configured server key is not the one in this file, which is left unused: \
                     sessions sealed under that key end, and shared-key fingerprints in the audit \
                     history recorded under it do not match new ones"
                );
            }
            return Ok(Crypto::new(&key));
        }
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            return Ok(Crypto::new(
                &decode_key(text.trim()).with_context(|| path.display().to_string())?,
            ));
        }
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        write_private(&path, B64.encode(key).as_bytes())?;
        tracing::info!(path = %path.display(), "generated a new server key");
        Ok(Crypto::new(&key.into()))
    }

    /// Seals `secret` for `owner` (the user id): base64 of nonce ‖ ciphertext.
    pub fn seal(&self, secret: &str, owner: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: secret.as_bytes(),
                    aad: owner.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        B64.encode(out)
    }

    pub fn open(&self, sealed: &str, owner: &str) -> Result<String, OpenError> {
        let bytes = B64.decode(sealed).map_err(|_| OpenError)?;
        if bytes.len() <= NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| OpenError)?;
        String::from_utf8(plain).map_err(|_| OpenError)
    }

    /// A keyed fingerprint of a secret: equal secrets give equal fingerprints, and nobody
    /// without the server key can test a guess against it.
    pub fn fingerprint(&self, secret: &str) -> String {
        let mut mac = self.fingerprint_mac.clone();
        mac.update(secret.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("hmac-sha256:{}", hex::encode(&digest[..8]))
    }

    /// The id a session is stored under: a keyed hash of the id its cookie carries, so the
    /// session table (or a copy of its file) holds nothing a browser could present, and the
    /// cookie cannot be told from the table without the server key.
    pub fn stored_session_id(&self, id: i128) -> i128 {
        let mut mac = self.session_id_mac.clone();
        mac.update(&id.to_le_bytes());
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        i128::from_le_bytes(first)
    }
}

pub(crate) fn decode_key(b64: &str) -> anyhow::Result<[u8; 32]> {
    // base64's own error names the offending character and where it is: part of the key.
    // Without its `=` padding too, as some tools print it.
    let b64 = b64.trim();
    let decoded = B64
        .decode(b64)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64));
    let Ok(bytes) = decoded else {
        bail!("the server key must be 32 bytes, base64-encoded; it is not base64")
    };
    let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) else {
        bail!(
            "the server key must be 32 bytes, base64-encoded; got {} bytes",
            bytes.len()
        )
    };
    Ok(key)
}

/// Whether `path` holds a server key other than `configured` (one it could read).
fn unused_key_file(configured: &[u8; 32], path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| decode_key(&text).ok())
        .is_some_and(|stored| stored != *configured)
}

fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crypto() -> Crypto {
        Crypto::new(&[7u8; 32])
    }

    #[test]
    fn sealed_keys_open_only_for_their_owner() {
        let c = crypto();
        let sealed = c.seal("canary-api-key", "user-1");
        assert!(!sealed.contains("canary"));
        assert_eq!(c.open(&sealed, "user-1").unwrap(), "canary-api-key");
        assert!(c.open(&sealed, "user-2").is_err());
        assert!(Crypto::new(&[8u8; 32]).open(&sealed, "user-1").is_err());
        assert_ne!(
            sealed,
            c.seal("canary-api-key", "user-1"),
            "fresh nonce each time"
        );
    }

    #[test]
    fn stored_session_ids_are_keyed_and_stable() {
        let c = crypto();
        let id = 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef_i128;
        assert_eq!(c.stored_session_id(id), c.stored_session_id(id));
        assert_ne!(c.stored_session_id(id), id);
        assert_ne!(c.stored_session_id(id), c.stored_session_id(id + 1));
        assert_ne!(
            c.stored_session_id(id),
            Crypto::new(&[8u8; 32]).stored_session_id(id),
            "another server key, another stored id"
        );
    }

    #[test]
    fn a_server_key_is_read_with_or_without_its_padding() {
        let key = [7u8; 32];
        let padded = B64.encode(key);
        assert!(padded.ends_with('='));
        assert_eq!(decode_key(&padded).unwrap(), key);
        assert_eq!(decode_key(padded.trim_end_matches('=')).unwrap(), key);
        let short = decode_key(&B64.encode([7u8; 31])).unwrap_err().to_string();
        assert!(short.ends_with("got 31 bytes"), "{short}");
        let bad = decode_key("not base64!").unwrap_err().to_string();
        assert!(bad.ends_with("it is not base64"), "{bad}");
    }

    #[test]
    fn tampered_seals_do_not_open() {
        let c = crypto();
        let mut bytes = B64.decode(c.seal("k", "u")).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(c.open(&B64.encode(bytes), "u").is_err());
        assert!(c.open("not base64!", "u").is_err());
        assert!(c.open("", "u").is_err());
    }

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let c = crypto();
        assert_eq!(c.fingerprint("abc"), c.fingerprint("abc"));
        assert_ne!(c.fingerprint("abc"), c.fingerprint("abd"));
        assert_ne!(
            c.fingerprint("abc"),
            Crypto::new(&[9u8; 32]).fingerprint("abc")
        );
        assert!(c.fingerprint("abc").starts_with("hmac-sha256:"));
    }

    /// Fingerprints are kept in the audit history, so the way they are computed must never
    /// change: HMAC-SHA-256 under the derived key, the first 8 bytes in hex.
    #[test]
    fn fingerprints_are_hmac_sha256_under_the_derived_key() {
        let server_key = [7u8; 32];
        let mut derive = Sha256::new();
        derive.update(b"portal audit fingerprint v1");
        derive.update(server_key);
        let key: [u8; 32] = derive.finalize().into();
        for secret in [
            "",
            "abc",
            "a much longer shared key than one block of SHA-256 holds....",
        ] {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
            mac.update(secret.as_bytes());
            let expected = format!(
                "hmac-sha256:{}",
                hex::encode(&mac.finalize().into_bytes()[..8])
            );
            assert_eq!(Crypto::new(&server_key).fingerprint(secret), expected);
        }
    }

    #[test]
    fn key_file_is_generated_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = Crypto::load_or_generate(None, dir.path()).unwrap();
        let b = Crypto::load_or_generate(None, dir.path()).unwrap();
        assert_eq!(a.fingerprint("x"), b.fingerprint("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn configured_keys_must_be_32_bytes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Crypto::load_or_generate(Some("c2hvcnQ="), dir.path()).is_err());
        let good = B64.encode([1u8; 32]);
        assert!(Crypto::load_or_generate(Some(&good), dir.path()).is_ok());
    }

    #[test]
    fn a_key_file_the_configured_key_leaves_unused_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        // No file, or one that holds no key: nothing is left unused.
        assert!(!unused_key_file(&[1u8; 32], &path));
        std::fs::write(&path, "not a key").unwrap();
        assert!(!unused_key_file(&[1u8; 32], &path));
        std::fs::write(&path, format!("{}\n", B64.encode([1u8; 32]))).unwrap();
        assert!(!unused_key_file(&[1u8; 32], &path));
        assert!(unused_key_file(&[2u8; 32], &path));
        // The configured key is the one used; the file stays as it was.
        let configured = B64.encode([2u8; 32]);
        let used = Crypto::load_or_generate(Some(&configured), dir.path()).unwrap();
        assert_eq!(
            used.fingerprint("x"),
            Crypto::new(&[2u8; 32]).fingerprint("x")
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().trim(),
            B64.encode([1u8; 32])
        );
    }
}
