"""The wire API for partners and apps: published stories as IPTC ninjs 2.x JSON (views.py says
what each address answers; ninjs-schema.json, the JSON Schema of the items; openapi.py, the
OpenAPI description)."""
