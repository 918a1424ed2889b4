// Nothing to copy yet: kept so `npm run build` has one place for non-TS assets (console, etc.).
