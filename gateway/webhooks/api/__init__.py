"""The site owner's webhooks API: ``/api/v1/webhooks…`` (scope ``webhooks:manage``).

Every route rides on the OAuth2 API's wrapper (:func:`gateway.oauth.api_auth.api_route`: bearer
token or ``X-API-Key``, scopes, limits, CORS) and acts only within the caller's account. May
import the webhooks room, that wrapper, and the web layer's body reader and OpenAPI document.
"""
