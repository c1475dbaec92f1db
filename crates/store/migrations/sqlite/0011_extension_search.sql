-- The Recipients search looks extensions up by prefix, in any dial plan: an index that starts
-- with the extension makes that a range scan instead of a walk of every mailbox.
CREATE INDEX um_extensions_extension ON um_extensions (extension);
