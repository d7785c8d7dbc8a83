"""Built-in texts of the consent banner, in English, French and German.

Kept apart from the schema in ``consent_config.py`` because it is data, not logic. A key's config
overrides any of these per language; the keys of ``BUILTIN_TEXTS["en"]`` are the complete list of
texts a config may set.
"""

from __future__ import annotations

BUILTIN_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "We value your privacy",
        "description": (
            "We use cookies and similar technologies to run this site, and, with your consent, "
            "to remember your settings, measure visits and show relevant ads. You can change "
            "your choice at any time."
        ),
        "accept_all": "Accept all",
        "reject_all": "Reject all",
        "customise": "Customise",
        "preferences_title": "Privacy preferences",
        "preferences_description": (
            "Choose which categories you allow. Strictly necessary cookies are always on "
            "because the site cannot work without them."
        ),
        "save": "Save choices",
        "close": "Close",
        "always_on": "Always on",
        "reopen": "Privacy settings",
        "services": "Services",
        "gpc_notice": (
            "Your browser sends a Global Privacy Control signal, so categories that share or "
            "sell data stay off unless you turn them on."
        ),
        "policy_link": "Privacy policy",
    },
    "fr": {
        "title": "Votre vie privée compte",
        "description": (
            "Nous utilisons des cookies et technologies similaires pour faire fonctionner ce site "
            "et, avec votre accord, mémoriser vos réglages, mesurer l'audience et afficher des "
            "publicités pertinentes. Vous pouvez modifier votre choix à tout moment."
        ),
        "accept_all": "Tout accepter",
        "reject_all": "Tout refuser",
        "customise": "Personnaliser",
        "preferences_title": "Préférences de confidentialité",
        "preferences_description": (
            "Choisissez les catégories que vous autorisez. Les cookies strictement nécessaires "
            "sont toujours actifs car le site ne peut pas fonctionner sans eux."
        ),
        "save": "Enregistrer mes choix",
        "close": "Fermer",
        "always_on": "Toujours actif",
        "reopen": "Paramètres de confidentialité",
        "services": "Services",
        "gpc_notice": (
            "Votre navigateur envoie un signal Global Privacy Control : les catégories qui "
            "partagent ou vendent des données restent désactivées sauf si vous les activez."
        ),
        "policy_link": "Politique de confidentialité",
    },
    "de": {
        "title": "Ihre Privatsphäre ist uns wichtig",
        "description": (
            "Wir verwenden Cookies und ähnliche Technologien, um diese Website zu betreiben, und "
            "mit Ihrer Einwilligung, um Einstellungen zu speichern, Besuche zu messen und "
            "passende Werbung zu zeigen. Sie können Ihre Wahl jederzeit ändern."
        ),
        "accept_all": "Alle akzeptieren",
        "reject_all": "Alle ablehnen",
        "customise": "Anpassen",
        "preferences_title": "Datenschutz-Einstellungen",
        "preferences_description": (
            "Wählen Sie, welche Kategorien Sie erlauben. Unbedingt erforderliche Cookies sind "
            "immer aktiv, weil die Website ohne sie nicht funktioniert."
        ),
        "save": "Auswahl speichern",
        "close": "Schließen",
        "always_on": "Immer aktiv",
        "reopen": "Datenschutz-Einstellungen",
        "services": "Dienste",
        "gpc_notice": (
            "Ihr Browser sendet ein Global-Privacy-Control-Signal: Kategorien, die Daten teilen "
            "oder verkaufen, bleiben aus, solange Sie sie nicht einschalten."
        ),
        "policy_link": "Datenschutzerklärung",
    },
}

CATEGORY_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "necessary": {
            "title": "Strictly necessary",
            "description": "Needed for the site to work: security, load balancing, your choices.",
        },
        "functional": {
            "title": "Functional",
            "description": "Remember your settings such as language or region.",
        },
        "analytics": {
            "title": "Analytics",
            "description": "Measure visits anonymously so we can improve the site.",
        },
        "marketing": {
            "title": "Marketing",
            "description": (
                "Show relevant ads and measure them, which may share data with partners."
            ),
        },
    },
    "fr": {
        "necessary": {
            "title": "Strictement nécessaires",
            "description": "Indispensables au site : sécurité, répartition de charge, vos choix.",
        },
        "functional": {
            "title": "Fonctionnels",
            "description": "Mémorisent vos réglages comme la langue ou la région.",
        },
        "analytics": {
            "title": "Mesure d'audience",
            "description": "Mesurent les visites de façon anonyme pour améliorer le site.",
        },
        "marketing": {
            "title": "Marketing",
            "description": (
                "Affichent et mesurent des publicités pertinentes, ce qui peut partager des "
                "données avec des partenaires."
            ),
        },
    },
    "de": {
        "necessary": {
            "title": "Unbedingt erforderlich",
            "description": "Für den Betrieb nötig: Sicherheit, Lastverteilung, Ihre Auswahl.",
        },
        "functional": {
            "title": "Funktional",
            "description": "Speichern Ihre Einstellungen wie Sprache oder Region.",
        },
        "analytics": {
            "title": "Statistik",
            "description": "Messen Besuche anonym, damit wir die Website verbessern können.",
        },
        "marketing": {
            "title": "Marketing",
            "description": (
                "Zeigen und messen passende Werbung, wobei Daten mit Partnern geteilt werden "
                "können."
            ),
        },
    },
}
