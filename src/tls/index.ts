// TLS for every listener and connection of a node: certificate files (checked and reloaded),
// peer identity from certificates, and the generator behind `raftdb certs init`.
export { CertificateError, readCaBundle, readIdentity, type Identity, type TlsFiles } from './certificate-files.js';
export { certificateNames, commonName, verifyIssuedBy } from './peer-certificate.js';
export { ReloadingCertificates, type ReloadLog } from './reloading-certificates.js';
export { NodeTls, type NodeTlsOptions, type PeerProof } from './node-tls.js';
