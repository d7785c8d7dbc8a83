"""The site owner's API over the records store: ``/api/v1/consents…`` and
``/api/v1/rights-requests…``.

Every route rides on the OAuth2 API's wrapper (:func:`gateway.oauth.api_auth.api_route`: bearer
token or ``X-API-Key``, scopes, limits, CORS) and answers only about the caller's account. May
import the records store, that wrapper, the web layer's body reader and the OpenAPI document.
"""
