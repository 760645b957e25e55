-- PostgreSQL extensions and functions that Connexion's searches use, run on
-- each database before trytond-admin creates its indexes (scripts/lib/dbtool.py
-- create and extensions, scripts/serve, the Docker init service, the tests'
-- databases, bench/search). Idempotent. unaccent and pg_trgm are trusted
-- extensions (PostgreSQL >= 13): the database's owner may create them.
--
-- pg_trgm: Tryton creates trigram (GIN) indexes for the searches by part of
-- a word (ILIKE '%...%') and computes similarities (typo-tolerant
-- suggestions).
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
-- unaccent: Tryton searches names without accents ("Francoise" finds
-- "Françoise").
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
-- unaccent() is only STABLE (its dictionary could change), and PostgreSQL
-- indexes only IMMUTABLE expressions: Tryton then searches
-- unaccent(name) with no index (Index.Unaccent applies only to an
-- immutable function). This wrapper with a fixed dictionary is immutable;
-- trytond calls it through [database] unaccent_function =
-- immutable_unaccent (config/*.conf, TRYTOND_DATABASE__UNACCENT_FUNCTION).
CREATE OR REPLACE FUNCTION public.immutable_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
