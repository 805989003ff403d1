export { RecordProtection, RECORD_HEADER_LENGTH, AEAD_TAG_LENGTH } from "./record-protection.js";
export { RecordReader, MAX_PLAINTEXT, MAX_CIPHERTEXT, innerContentLength } from "./record-reader.js";
export { RecordWriter } from "./record-writer.js";
export { ByteQueue } from "./byte-queue.js";
export { RangeCopier, copyBytes } from "./copy-bytes.js";
export { ContentType } from "./content-type.js";
export { recordBuffers, LOW_MEMORY_FREE_BYTES } from "./buffer-pool.js";
export { AsyncRecordProtection } from "./async-record-protection.js";
