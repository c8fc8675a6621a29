#!/usr/bin/env node
import "../dist/src/cli/telemetry-server.js";
