#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded on offline machines.
# prisma.config.ts points PRISMA_SCHEMA_ENGINE_BINARY here only when no native engine is installed, so that
# `prisma generate` (which needs no schema engine) works offline. Anything that really needs the engine lands here.
echo "kocflow: Prisma's native schema engine is not installed (offline install)." >&2
echo "  create a migration: npm run db:migration -- <name>    apply migrations: kocflow migrate" >&2
exit 1
