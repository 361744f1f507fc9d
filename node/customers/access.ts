/**
 * The License Manager resources of the customer operations: Master Data's "Dynamic Storage"
 * product, "Dynamic storage generic resources" category (the "Permissions" section of each
 * endpoint of VTEX's Master Data API v1 reference: reads need "Read only documents", writes
 * "Insert or update document (not remove)", deletes "Full access to all documents"). A
 * `|` separates alternatives (lib/access.ts).
 */
export const CUSTOMER_READ = 'Dynamic Storage/Read only documents | Dynamic Storage/Insert or update document (not remove) | Dynamic Storage/Full access to all documents'
export const CUSTOMER_WRITE = 'Dynamic Storage/Insert or update document (not remove) | Dynamic Storage/Full access to all documents'
export const CUSTOMER_ERASE = 'Dynamic Storage/Full access to all documents'
