export { RecordProtection, RECORD_HEADER_LENGTH, AEAD_TAG_LENGTH } from "./record-protection.js";
export { RecordReader, MAX_PLAINTEXT, MAX_CIPHERTEXT } from "./record-reader.js";
export { RecordWriter } from "./record-writer.js";
export { ByteQueue } from "./byte-queue.js";
export { RangeCopier, copyBytes } from "./copy-bytes.js";
export { ContentType } from "./content-type.js";
