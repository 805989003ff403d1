/** RFC 8446 §5.1 ContentType: the outer type of every record, and the inner type of a protected one. */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;
