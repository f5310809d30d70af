# tools/query.mk: blitz-query, one file per group of subcommands.
