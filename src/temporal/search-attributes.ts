// Typed search attributes: incidents can be listed and filtered by SKU, network, severity and stage
// in the Temporal UI, the `temporal` CLI and our own CLI. Imported by workflows, so no Node built-ins here.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SKU = defineSearchAttributeKey('StockoutSku', SearchAttributeType.KEYWORD);
export const NETWORK = defineSearchAttributeKey('StockoutNetwork', SearchAttributeType.KEYWORD);
export const SEVERITY = defineSearchAttributeKey('StockoutSeverity', SearchAttributeType.KEYWORD);
export const STAGE = defineSearchAttributeKey('StockoutStage', SearchAttributeType.KEYWORD);

/** Every key, for registering them with a server (dev server flags, operator service). */
export const ALL_SEARCH_ATTRIBUTES = [SKU, NETWORK, SEVERITY, STAGE];
