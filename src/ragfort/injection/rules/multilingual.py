"""``multilingual``: the override, prompt-leak, exfiltration, persona and output-control shapes in es/fr/de.

The normaliser drops accents, so the patterns are written without them
("reponds", "ubergehe", "contrasena").
"""

from __future__ import annotations

from ragfort.injection.rules.base import Rule, rule_set

__all__ = ["MULTILINGUAL"]

MULTILINGUAL: tuple[Rule, ...] = rule_set(
    "multilingual",
    # Spanish
    (
        0.9,
        "instrucciones reglas indicaciones directrices",
        r"\b(?:ignora|ignore|ignorar|olvida|olvide|omite|descarta|haz caso omiso de) (?:\S+ ){0,3}"
        r"(?:instrucciones|reglas|indicaciones|directrices) (?:anteriores|previas|del sistema)",
    ),
    (
        0.85,
        "sistema",
        r"\b(?:revela|muestra|imprime|ensena|dime) (?:\S+ ){0,3}(?:prompt|mensaje|instrucciones) del sistema",
    ),
    (
        0.75,
        "cliente usuario",
        r"\b(?:envia|manda|reenvia) (?:\S+ ){0,4}(?:correo|datos|informacion|numero|contrasena)\S* (?:\S+ ){0,3}"
        r"del (?:cliente|usuario)",
    ),
    (0.6, "ahora", r"\b(?:a partir de ahora|desde ahora) (?:eres|seras|responde|di)\b"),
    (0.7, "responde", r"\bresponde (?:solo|solamente|unicamente) con\b"),
    # French
    (
        0.9,
        "instructions consignes directives regles",
        r"\b(?:ignore[zr]?|oublie[zr]?|ne tenez pas compte des?) (?:\S+ ){0,3}(?:instructions|consignes|"
        r"directives|regles) "
        r"(?:precedentes|anterieures|ci-dessus|du systeme)",
    ),
    (
        0.85,
        "systeme",
        r"\b(?:affiche[zr]?|revele[zr]?|montre[zr]?|imprime[zr]?|donne[zr]?) (?:\S+ ){0,3}"
        r"(?:invite|prompt|message|instructions?|consignes?) (?:\S+ )?(?:du )?systeme",
    ),
    (
        0.75,
        "envoie",
        r"\benvoie[zr]? (?:\S+ ){0,4}(?:donnees|coordonnees|e-?mail|courriel|adresse)\S* (?:\S+ ){0,3}"
        r"(?:du|des) (?:client|utilisateur)",
    ),
    (0.55, "maintenant desormais", r"\b(?:tu es|vous etes) (?:maintenant|desormais)\b"),
    (0.7, "repond", r"\b(?:reponds|repondez) (?:uniquement|seulement) (?:par|avec)\b"),
    # German
    (
        0.9,
        "anweisungen instruktionen regeln vorgaben befehle",
        r"\b(?:ignoriere|ignorieren sie|vergiss|vergessen sie|missachte|missachten sie|ubergehe) (?:\S+ ){0,3}"
        r"(?:vorherigen|bisherigen|vorigen|obigen|fruheren|alten) (?:anweisungen|instruktionen|regeln|vorgaben|"
        r"befehle)",
    ),
    (
        0.85,
        "system",
        r"\b(?:zeige|zeig|gib|verrate|drucke|nenne)\b (?:\S+ ){0,4}"
        r"(?:systemprompt|system-prompt|systemanweisung|systemnachricht)",
    ),
    (
        0.75,
        "kunden",
        r"\b(?:gib|zeige|liste|nenne|sende)\b (?:\S+ ){0,4}(?:kontonummern|daten|e-mail-adressen|passworter|pins) "
        r"(?:\S+ ){0,2}(?:aller|anderer) kunden",
    ),
    (0.55, "du bist", r"\bdu bist (?:jetzt|ab sofort|nun)\b"),
    (0.7, "antworte", r"\bantworte (?:nur|ausschliesslich|lediglich) mit\b"),
)
