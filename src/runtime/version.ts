// The SDK version reported in every stream and in generated headers.
export const VERSION = "0.1.0";
