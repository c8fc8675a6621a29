// The one msgpackr configuration, used for everything percore encodes or decodes as msgpack:
// batches, acks and error replies, on the SDK side and the server side alike.
// - useRecords: false: plain msgpack maps, no msgpackr record extension, so any language's msgpack
//   library reads what we write;
// - variableMapSize: true: small maps get the short map header;
// - mapsAsObjects: true: maps decode to plain objects (our keys are strings);
// - int64AsType: "number": 64-bit integers decode as numbers, as JavaScript code expects.
// A Packr is also an Unpackr: one instance packs and unpacks.
import { Packr } from "msgpackr";

export const msgpack = new Packr({ useRecords: false, variableMapSize: true, mapsAsObjects: true, int64AsType: "number" });
