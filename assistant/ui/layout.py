"""The web UI's page: the gr.Blocks layout (a Chat tab and an Insights tab) and the wiring of its events to the
callbacks of :class:`~assistant.ui.controller.Controller`. No logic of its own.
"""

from __future__ import annotations

from functools import partial
from typing import Any

# First: importing profiles applies the offline defaults (Gradio's analytics off) before gradio loads.
import profiles  # noqa: F401

# isort: split
import gradio as gr

from assistant.agent import Assistant
from assistant.gazetteer import NEIGHBOURHOODS
from assistant.service import Service
from assistant.ui.controller import (
    ALL_CATEGORIES,
    CARD_SLOTS,
    LAST_PLACE,
    NOW_EXAMPLE,
    PREFERENCE_SLOTS,
    Controller,
)
from assistant.ui.render import LABEL_COLUMNS, SNAPSHOT_COLUMNS, insights_areas_table, insights_caption, insights_map
from profiles.config import Settings

CSS = """
#status, #feedback-status { min-height: 1.5em; }
.card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px; }
.card button { max-width: 10em; }
"""


def build_ui(service: Service, assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The Gradio page: a Chat tab (controls, streamed chat, cards, forget me, inspector) and an Insights tab."""
    ui = Controller(service, assistant, settings)
    users = ui.users()
    first = users[0] if users else None
    start_lat, start_lon = ui.here(first) if first else (None, None)
    with gr.Blocks(title="wherenow", analytics_enabled=False) as demo:
        gr.Markdown("## wherenow — places for you, here and now", elem_id="title")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                with gr.Row(equal_height=True):
                    user = gr.Dropdown(
                        choices=users, value=first, label="User", filterable=True, elem_id="user", scale=1
                    )
                    now = gr.Textbox(
                        value=ui.default_now,
                        label="Now (local date and time)",
                        elem_id="now",
                        scale=2,
                        info=f"ISO, e.g. {NOW_EXAMPLE}",
                    )
                    place = gr.Dropdown(
                        choices=[LAST_PLACE, *NEIGHBOURHOODS],
                        value=LAST_PLACE,
                        label="Where",
                        filterable=True,
                        elem_id="place",
                        scale=2,
                    )
                    latitude = gr.Number(value=start_lat, label="Latitude", elem_id="lat", precision=5, scale=1)
                    longitude = gr.Number(value=start_lon, label="Longitude", elem_id="lon", precision=5, scale=1)
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(
                            label="Chat",
                            elem_id="chat",
                            height=430,
                            feedback_options=None,
                            placeholder="Ask for somewhere to go: “somewhere for coffee near here”.",
                        )
                        with gr.Row():
                            message = gr.Textbox(
                                placeholder="somewhere for dinner near here tonight",
                                show_label=False,
                                elem_id="message",
                                scale=5,
                                submit_btn=False,
                            )
                            send = gr.Button("Send", variant="primary", elem_id="send", scale=1)
                        status = gr.Markdown("", elem_id="status")
                        gr.Markdown("### Suggestions")
                        card_outputs: list[Any] = []
                        buttons = []
                        for slot in range(CARD_SLOTS):
                            with gr.Group(visible=False, elem_id=f"card-{slot}", elem_classes="card") as card:
                                text = gr.Markdown("", elem_id=f"card-text-{slot}")
                                with gr.Row():
                                    like = gr.Button("👍 Like", size="sm", elem_id=f"like-{slot}", min_width=90)
                                    dislike = gr.Button(
                                        "👎 Not for me", size="sm", elem_id=f"dislike-{slot}", min_width=90
                                    )
                            card_outputs += [card, text]
                            buttons.append((slot, like, dislike))
                        feedback_status = gr.Markdown("", elem_id="feedback-status")
                        with gr.Accordion("Forget me", open=False, elem_id="forget-section"):
                            gr.Markdown("Delete this user's check-ins, profile snapshots and conversations for good.")
                            forget_button = gr.Button("Forget me…", variant="stop", elem_id="forget")
                            with gr.Group(visible=False, elem_id="forget-confirm") as confirm_group:
                                understood = gr.Checkbox(
                                    label="I understand this deletes my history", elem_id="forget-understood"
                                )
                                forget_go = gr.Button("Delete my history", variant="stop", elem_id="forget-go")
                            forget_result = gr.Markdown("", elem_id="forget-result")
                    with gr.Column(scale=2, elem_id="inspector"):
                        gr.Markdown("### Context inspector")
                        summary = gr.Markdown("Pick a user to see their context.", elem_id="inspector-summary")
                        gr.Markdown("**Your stated preferences** — what you told the assistant; undo any of them")
                        preference_outputs: list[Any] = []
                        undo_buttons = []
                        for slot in range(PREFERENCE_SLOTS):
                            with gr.Row(visible=False, elem_id=f"pref-{slot}", equal_height=True) as row:
                                text = gr.Markdown("", elem_id=f"pref-text-{slot}")
                                undo = gr.Button("Undo", size="sm", elem_id=f"pref-undo-{slot}", min_width=70, scale=0)
                            preference_outputs += [row, text]
                            undo_buttons.append((slot, undo))
                        preference_outputs.append(gr.Markdown("", elem_id="pref-none"))
                        preference_status = gr.Markdown("", elem_id="pref-status")
                        snapshots = gr.Dataframe(
                            headers=SNAPSHOT_COLUMNS,
                            label="Retrieved snapshots",
                            elem_id="snapshots",
                            interactive=False,
                            wrap=True,
                            max_height=300,
                            column_widths=["22%", "50%", "14%", "14%"],
                        )
                        labels = gr.Dataframe(
                            headers=LABEL_COLUMNS,
                            label="Interests now vs overall",
                            elem_id="labels",
                            interactive=False,
                            max_height=260,
                        )
                        gr.Markdown("**Map** — your places, the suggestions (numbered) and where you are")
                        user_map = gr.HTML("", elem_id="user-map")
                        gr.Markdown("**Weekly rhythm** — your check-ins by local day and hour")
                        rhythm = gr.HTML("", elem_id="rhythm")
                        with gr.Accordion("Tool calls of the last turn", open=False):
                            trace = gr.JSON(elem_id="trace")
            with gr.Tab("Insights", id="insights-tab", elem_id="insights-tab"):
                _insights_tab(ui)

        conversation = gr.State("")
        turn_state = gr.State(None)
        items_state = gr.State([])
        preference_ids = gr.State([])
        preference_outputs.append(preference_ids)
        inspector = [summary, snapshots, labels, user_map, rhythm]
        cards_and_items = [*card_outputs, items_state]

        demo.load(ui.load, inputs=[user], outputs=[user]).then(
            ui.select_user,
            inputs=[user, place, now, latitude, longitude],
            outputs=[chat, conversation, turn_state, status, latitude, longitude, *inspector, *cards_and_items],
        ).then(ui.preference_rows, inputs=[user], outputs=preference_outputs)
        user.input(
            ui.select_user,
            inputs=[user, place, now, latitude, longitude],
            outputs=[chat, conversation, turn_state, status, latitude, longitude, *inspector, *cards_and_items],
        ).then(ui.preference_rows, inputs=[user], outputs=preference_outputs)
        place.input(ui.pick_place, inputs=[place, user], outputs=[latitude, longitude, status])
        chat_inputs = [message, chat, user, now, latitude, longitude, conversation]
        # The cards are among the chat's outputs: they show the suggestions before the reply is written.
        chat_outputs = [chat, status, conversation, turn_state, message, *cards_and_items]
        for trigger in (message.submit, send.click):
            # Progress overlays stay off the cards: shown mid-turn, they must be readable (and clickable) at once.
            trigger(ui.respond, inputs=chat_inputs, outputs=chat_outputs, show_progress_on=[chat, status]).then(
                ui.show_turn,
                inputs=[turn_state, user, now, latitude, longitude],
                outputs=[*inspector, *cards_and_items],
                show_progress_on=inspector,
            ).then(ui.trace, inputs=[turn_state], outputs=[trace]).then(
                ui.preference_rows, inputs=[user], outputs=preference_outputs
            )
        feedback_inputs = [items_state, turn_state, user, now, latitude, longitude]
        for slot, like, dislike in buttons:
            like.click(partial(ui.feedback, slot, True), inputs=feedback_inputs, outputs=[feedback_status, *inspector])
            dislike.click(
                partial(ui.feedback, slot, False), inputs=feedback_inputs, outputs=[feedback_status, *inspector]
            )
        for slot, undo in undo_buttons:
            undo.click(
                partial(ui.undo_preference, slot),
                inputs=[preference_ids, user, now, latitude, longitude],
                outputs=[preference_status, *preference_outputs, *inspector],
            )
        forget_button.click(ui.ask_forget, outputs=[confirm_group, understood])
        forget_go.click(
            ui.forget,
            inputs=[user, understood],
            outputs=[forget_result, user, confirm_group, chat, turn_state, *inspector, *cards_and_items],
        ).then(ui.preference_rows, inputs=[user], outputs=preference_outputs)
    return demo


def _insights_tab(ui: Controller) -> None:
    """The Insights tab: the k-anonymous aggregates drawn once, and a heat map that follows the category."""
    insights = ui.insights
    if insights is None:
        gr.Markdown("No stored events yet: ingest some to see insights.", elem_id="insights-caption")
        return
    gr.Markdown("### Where and when people go", elem_id="insights-title")
    gr.Markdown(insights_caption(insights), elem_id="insights-caption")
    with gr.Row():
        with gr.Column(scale=1):
            gr.Markdown("**Areas** — sized by visits, coloured by their top category")
            gr.HTML(insights_map(insights), elem_id="insights-map")
        with gr.Column(scale=1):
            category = gr.Dropdown(
                choices=ui.insights_categories(),
                value=ALL_CATEGORIES,
                label="Category",
                elem_id="insights-category",
            )
            heatmap = gr.HTML(ui.insights_heatmap(None), elem_id="insights-heatmap")
            gr.Dataframe(
                insights_areas_table(insights),
                label="Released areas",
                elem_id="insights-areas",
                interactive=False,
                max_height=300,
            )
    category.change(ui.insights_heatmap, inputs=[category], outputs=[heatmap])


__all__ = ["CSS", "build_ui"]
