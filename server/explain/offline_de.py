"""The offline explainer's German wording (see ``offline_words.py`` for the fields).

Descriptive prose that addresses nobody (no "Sie", no "du"): it is read by both parties. Figures
come formatted by ``server/i18n.py`` (``4.500,00 $``, ``1. Dezember 2026``, ``11,1 %``); dates
follow "vom", "am" and "auf den", which the day-first long form reads naturally after.
"""

from __future__ import annotations

from server.explain.offline_words import Words

DE = Words(
    lang="de",
    quotes=("\u201e", "\u201c"),
    and_="und",
    and_before_i=None,
    colon_capitalises=True,
    subject={
        "title": "Der Titel", "contract_type": "Die Vertragsart", "currency": "Die Währung",
        "hourly_rate": "Der Stundensatz", "weekly_limit": "Das Wochenlimit",
        "manual_time": "Die Einstellung zur manuellen Zeiterfassung",
        "fixed_price": "Der Festpreis", "start_date": "Das Startdatum",
        "end_date": "Das Enddatum", "description": "Die Beschreibung",
        "milestones": "Die Meilensteine",
    },
    object={
        "title": "den Titel", "contract_type": "die Vertragsart", "currency": "die Währung",
        "hourly_rate": "den Stundensatz", "weekly_limit": "das Wochenlimit",
        "manual_time": "die Einstellung zur manuellen Zeiterfassung",
        "fixed_price": "den Festpreis", "start_date": "das Startdatum",
        "end_date": "das Enddatum", "description": "die Beschreibung",
        "milestones": "die Meilensteine",
    },
    missing={"weekly_limit": "Wochenlimit", "start_date": "Startdatum", "end_date": "Enddatum"},
    missing_join=" oder ",
    hours={"one": "{n} Stunde", "other": "{n} Stunden"},
    milestones={"one": "{n} Meilenstein", "other": "{n} Meilensteine"},
    days={"one": "{n} Tag", "other": "{n} Tage"},
    weeks={"one": "{n} Woche", "other": "{n} Wochen"},
    words={"one": "{n} Wort", "other": "{n} Wörter"},
    later={"one": "{n} Tag später", "other": "{n} Tage später"},
    earlier={"one": "{n} Tag früher", "other": "{n} Tage früher"},
    not_set="nicht festgelegt",
    no_change="Dieser Vorschlag ändert keine Bedingungen.",
    opening="Dieser Vorschlag ändert {items}.",
    everything_else="Alles andere bleibt wie in der aktuellen Version.",
    currency="Die Währung wechselt von {old} zu {new}; Beträge werden daher nicht verglichen.",
    title="Der Titel lautet jetzt {new} statt {old}.",
    manual_on="Manuelle Zeiterfassung ist jetzt erlaubt.",
    manual_off="Manuelle Zeiterfassung ist nicht mehr erlaubt.",
    limit_added="Neu gilt ein Wochenlimit von {new}; bisher gab es keines.",
    limit_removed="Das Wochenlimit von {old} entfällt.",
    limit_up="Das Wochenlimit steigt von {old} auf {new}.",
    limit_down="Das Wochenlimit sinkt von {old} auf {new}.",
    money_changed="{label} ändert sich von {old} auf {new}.",
    money_up="{label} steigt von {old} auf {new} ({diff}).",
    money_down="{label} sinkt von {old} auf {new} ({diff}).",
    diff_up="plus {amount}",
    diff_down="minus {amount}",
    diff_pct="{diff} bzw. {pct}",
    date_set="{label} wird auf den {new} festgelegt; bisher gab es keines.",
    date_removed="{label} entfällt; bisher war es der {old}.",
    date_moved="{label} verschiebt sich vom {old} auf den {new}, {shift}.",
    desc="Die Beschreibung, also der verbindliche Leistungsumfang, wird geändert: {what}; "
    "{words}.",
    desc_added={"one": "Hinzugefügt wird {items}", "other": "Hinzugefügt werden {items}"},
    desc_removed={"one": "Gestrichen wird {items}", "other": "Gestrichen werden {items}"},
    desc_removed_after={"one": "gestrichen wird {items}", "other": "gestrichen werden {items}"},
    desc_both="{added}, {removed}",
    desc_layout="Nur die Formatierung ändert sich",
    desc_among="unter anderem {items}",
    desc_words_changed="der Text umfasst jetzt {new_n} statt {old_unit}",
    desc_words_same="der Text umfasst weiterhin {new}",
    read_in_full="Beide Seiten sollten den neuen Text vollständig lesen.",
    ms_added="Neu hinzu kommt der Meilenstein {title}: {amount}, {due}.",
    ms_due="fällig am {date}",
    ms_no_due="ohne Fälligkeitsdatum",
    ms_removed="Der Meilenstein {title} ({was}) entfällt.",
    ms_was_due=", fällig am {date}",
    ms_changed="Der Meilenstein {title} ändert sich: {parts}.",
    ms_renamed="er heißt jetzt {title}",
    ms_amount_up="sein Betrag steigt von {old} auf {new}{diff}",
    ms_amount_down="sein Betrag sinkt von {old} auf {new}{diff}",
    ms_amount_changed="sein Betrag ändert sich von {old} auf {new}",
    ms_due_moved="sein Fälligkeitsdatum verschiebt sich vom {old} auf den {new}{shift}",
    ms_due_set="er wird am {date} fällig",
    ms_due_removed="er hat kein Fälligkeitsdatum mehr",
    ms_moved="er steht an einer anderen Stelle der Liste",
    ms_more="Weitere Änderungen an den Meilensteinen stehen im Vorschlag.",
    ms_sum_match="Die Meilensteine ergeben zusammen {total} und entsprechen damit dem Festpreis.",
    ms_sum_more="Die Meilensteine ergeben zusammen {total}, also {gap} mehr als der Festpreis "
    "von {price}.",
    ms_sum_less="Die Meilensteine ergeben zusammen {total}, also {gap} weniger als der Festpreis "
    "von {price}.",
    sw_to_fixed="Der Vertrag wechselt von Stundenbasis zu Festpreis",
    sw_to_hourly="Der Vertrag wechselt von Festpreis zu Stundenbasis",
    sw_gone={"one": "{head}: {items} entfällt", "other": "{head}: {items} entfallen"},
    sw_fixed="{head}, und der Festpreis beträgt {price}.",
    sw_hourly="{head}, und der Stundensatz beträgt {rate} bei einem Wochenlimit von {limit}.",
    sw_hourly_no_limit="{head}, und der Stundensatz beträgt {rate} ohne Wochenlimit.",
    gone_rate="der Stundensatz von {value}",
    gone_limit="das Wochenlimit von {value}",
    gone_price="der Festpreis von {value}",
    gone_milestones={"one": "der {count}", "other": "die {count}"},
    fixed_no_cap="Ohne {missing} hatte der Stundenvertrag keine Obergrenze, die sich "
    "vergleichen ließe.",
    fixed_cap_before="Bisher konnte der Stundenvertrag höchstens {cap} kosten ({span} zum "
    "Wochenlimit); {versus}.",
    vs_fixed_up="der Festpreis liegt {amount} darüber{pct}",
    vs_fixed_down="der Festpreis liegt {amount} darunter{pct}",
    vs_fixed_same="der Festpreis ist gleich hoch",
    vs_fixed_currency="der Festpreis lautet auf eine andere Währung",
    pct_higher=" ({pct} mehr)",
    pct_lower=" ({pct} weniger)",
    hourly_no_cap="Ohne {missing} hängt die Gesamtsumme von den geleisteten Stunden ab.",
    hourly_cap_after="Zum Wochenlimit kostet die Arbeit über {span} höchstens {cap}; {versus}.",
    vs_cap_up="das sind {amount} mehr als der Festpreis{pct}",
    vs_cap_down="das sind {amount} weniger als der Festpreis{pct}",
    vs_cap_same="das entspricht genau dem Festpreis",
    vs_cap_currency="der Festpreis lautet auf eine andere Währung",
    weekly_uncapped="Die wöchentliche Abrechnung ist nicht mehr begrenzt; die Grenze lag bei "
    "{old} pro Woche.",
    weekly_new="Beim Wochenlimit von {hours} lassen sich pro Woche jetzt höchstens {new} "
    "abrechnen.",
    weekly_change="Beim Wochenlimit von {hours} lassen sich pro Woche höchstens {new} statt "
    "{old} abrechnen.",
    total_gone="Ohne {missing} gibt es keine Obergrenze für die Gesamtsumme mehr; bisher lag "
    "sie bei {old}.",
    total_new="Über die gesamte Laufzeit ({span}) kann der Vertrag höchstens {new} kosten.",
    total_span="Vom {start} bis zum {end} ({span}) kann der Vertrag höchstens {new} statt {old} "
    "kosten.",
    total_change="Über die gesamte Laufzeit kann der Vertrag höchstens {new} ({span_new}) statt "
    "{old} ({span_old}) kosten.",
)  # fmt: skip
