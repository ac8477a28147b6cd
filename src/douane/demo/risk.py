"""Demo risk management: targeting rules in each state with their versions, value indicators for the demo's
tariff lines, two targeting notices and Alger Port's inspection capacity, all written by the demo `analyst`
through the real use cases (so versions and audit events are what the system itself would have written).

Active rules only target cars from Germany and a notice only a truck and an operator no demo declaration
uses: the demo declarations, and the tests that lodge laptops or washing machines, keep their channels.
Once the demo declarations exist, the draft rule on washing machines is backtested over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.demo import parties
from douane.identity import service as identity
from douane.identity.model import Actor
from douane.kernel.clock import local_date
from douane.risk.notices import service as notices
from douane.risk.selection import capacity
from douane.risk.targeting import backtest_service, indicators, rules
from douane.risk.targeting.model import RuleAction, RuleContent, Transition

OFFICE = "16011"
ANALYST = "analyst"

# (hs6, origin, dinars per kg of net mass): reference values for the demo's lines, from 1 January 2026.
INDICATORS = (
    ("870321", "FR", "1950"), ("870322", "DE", "2350"), ("870322", "FR", "2100"), ("870323", "DE", "3100"),
    ("870323", "FR", "2650"), ("870323", "JP", "2900"), ("870332", "DE", "3300"), ("870340", "JP", "3400"),
    ("847130", "CN", "9200"), ("851830", "CN", "7800"), ("845011", "CN", "1050"), ("841810", "TR", "720"),
    ("401110", "VN", "560"), ("610910", "TR", "1150"), ("620342", "TR", "1120"), ("210390", "FR", "310"),
    ("842951", "IT", "830"), ("090111", "BR", "640"),
)  # fmt: skip

CARS_BELOW_INDICATOR = (
    'hs6 in ["870323"] and origin == "DE" and value_per_kg < {share} * indicator(hs6, origin)'
)
WASHERS_BELOW_INDICATOR = 'hs6 == "845011" and origin == "CN" and indicator_ratio < 0.9'


@dataclass(frozen=True)
class DemoRule:
    content: RuleContent
    # (transition or "edit", reason, new content for an edit) applied in order after creation
    steps: tuple[tuple[str, str, RuleContent | None], ...] = ()


def _cars(share: str) -> RuleContent:
    return RuleContent(
        name="Voitures d'Allemagne sous-évaluées", expression=CARS_BELOW_INDICATOR.format(share=share),
        action=RuleAction.RED, priority=10,
        description="Voitures 1 500 à 3 000 cm3 d'origine allemande déclarées bien en dessous de l'indicateur "
        "de valeur : inspection physique et vérification du prix.",
    )  # fmt: skip


RULES = (
    DemoRule(
        _cars("0.5"),
        (
            ("edit", "Seuil relevé à 60 % après l'enquête de valeur de mars", _cars("0.6")),
            ("activate", "Backtest concluant sur l'historique du premier trimestre", None),
        ),
    ),
    DemoRule(
        RuleContent(
            name="Téléphones des Émirats au poids anormal",
            expression='hs6 in ["851713", "851714"] and origin == "AE" and value_per_kg < 15000',
            action=RuleAction.YELLOW,
            priority=40,
            description="Téléphones déclarés à moins de 15 000 DA le kg : contrôle documentaire.",
        ),
        (
            ("activate", "Demande de la division du renseignement", None),
            ("suspend", "Trop de contrôles sans résultat en juin ; à revoir avec un indicateur", None),
        ),
    ),
    DemoRule(
        RuleContent(
            name="Nouveaux opérateurs, gros montants",
            expression="operator_days_registered < 180 and invoice_total_dzd > 50000000",
            action=RuleAction.SCORE,
            score_increase=30,
            priority=60,
            description="Opérateur inscrit depuis moins de six mois et facture de plus de 50 millions de dinars.",
        ),
        (
            ("activate", "Orientation de la direction de la lutte contre la fraude", None),
            ("retire", "Remplacée par le modèle de risque, qui lit l'ancienneté de l'opérateur", None),
        ),
    ),
    DemoRule(
        RuleContent(
            name="Machines à laver de Chine sous l'indicateur",
            expression=WASHERS_BELOW_INDICATOR,
            action=RuleAction.YELLOW,
            priority=50,
            offices=(OFFICE,),
            regimes=("IM4",),
            description="Brouillon : à activer si le backtest confirme les redressements de valeur.",
        ),
    ),
)


def _analyst(session: Session) -> Actor:
    actor = identity.active_actor(session, ANALYST)
    if actor is None:
        raise LookupError("the demo user analyst is missing")
    return actor


def load_risk(session: Session, ctx: Context, since: date) -> None:
    """Rules, indicators (from `since`), notices and capacity; needs the demo users and offices."""
    analyst = _analyst(session)
    for hs6, origin, value in INDICATORS:  # the history of the indicators, as a system taken over has one
        indicators.set_indicator(
            session, ctx.clock, hs6=hs6, origin=origin, dinars_per_kg=Decimal(value), valid_from=since,
            by=analyst, history=True,
        )  # fmt: skip
    for demo_rule in RULES:
        _load_rule(session, ctx, demo_rule, analyst)
    _load_notices(session, ctx, analyst)
    capacity.set_settings(
        session, ctx.clock, office_code=OFFICE, yellow_per_day=40, red_per_day=15, exploration_percent=5,
        score_threshold=50, by=analyst,
    )  # fmt: skip


def _load_rule(session: Session, ctx: Context, demo_rule: DemoRule, analyst: Actor) -> None:
    view = rules.create_rule(session, ctx.clock, demo_rule.content, by=analyst)
    for step, reason, content in demo_rule.steps:
        if step == "edit" and content is not None:
            rules.edit_rule(
                session, ctx.clock, view.rule.id, content, reason=reason, expected_version=None, by=analyst
            )
        else:
            rules.change_status(
                session, ctx.clock, view.rule.id, Transition(step), reason=reason, expected_version=None,
                by=analyst,
            )  # fmt: skip


def _load_notices(session: Session, ctx: Context, analyst: Actor) -> None:
    today = local_date(ctx.clock.now())
    notices.issue(
        session, ctx.clock,
        notices.NoticeDraft(
            issuing_service="mutual_assistance", subject_kind="vehicle", subject="08452-115-31", channel="red",
            reason="Avis d'assistance mutuelle : ce camion a transporté des cigarettes dissimulées à Tunis.",
            office_codes=("36041",), valid_to=today + timedelta(days=180),
        ),
        by=analyst,
    )  # fmt: skip
    notices.issue(
        session, ctx.clock,
        notices.NoticeDraft(
            issuing_service="intelligence", subject_kind="operator", subject=parties.operators()[9].nif,
            channel="yellow", reason="Renseignement : factures de pièces détachées soupçonnées d'être minorées.",
            valid_to=today + timedelta(days=90),
        ),
        by=analyst,
    )  # fmt: skip


def backtest_draft(session: Session, ctx: Context, since: date) -> None:
    """Backtest the draft washing-machine rule over the demo declarations (run after they are lodged)."""
    drafts, _ = rules.list_rules(session, status="draft", limit=50)
    rule_id = next(view.rule.id for view in drafts if view.current.expression == WASHERS_BELOW_INDICATOR)
    history = backtest_service.stored_history(session, since, local_date(ctx.clock.now()), (OFFICE,))
    backtest_service.run_backtest(session, ctx.clock, rule_id, None, history, by=_analyst(session))
