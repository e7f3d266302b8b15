"""The storage layer: the store interface (embedded and remote), the query
guard, result writers and the sandboxed query workers. Imports ``kg.model``."""
