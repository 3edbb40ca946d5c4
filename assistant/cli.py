"""The ``wherenow`` command line: one entry point, one subcommand per job, no tracebacks for users."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from profiles.config import ConfigError, Settings, load_settings
from profiles.loaders import DataError
from profiles.models import ModelUnavailable
from profiles.statelock import StateFolderInUse, StateLock

EXIT_USAGE = 2


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from profiles.ingest import ingest

    paths = args.paths or [settings.data.dir]
    with StateLock(settings.state_dir):
        report = ingest(paths, settings, venues=args.venues, progress=not args.quiet, replace=args.replace)
    print("\n".join(report.lines()))
    return 0


def _train_encoder(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from profiles.finetune import FinetuneConfig, finetune_from_data

    given = {"max_examples": args.max_examples, "epochs": args.epochs, "seed": args.seed, "threads": args.threads}
    config = replace(FinetuneConfig(), **{name: value for name, value in given.items() if value is not None})
    if args.max_examples == 0:
        config = replace(config, max_examples=None)
    data = args.data or settings.data.dir
    report = finetune_from_data(data, settings, out=args.out, config=config, progress=not args.quiet)
    print(report.table)
    print(f"\ncheckpoint, metrics.json and table.md in {report.out}")
    print(f"use it with models.encoder_checkpoint = {str(report.out)!r} (or WHERENOW_MODELS__ENCODER_CHECKPOINT)")
    return 0


def _build_profiles(args: argparse.Namespace, settings: Settings) -> int:
    from profiles.eventlog import open_event_log
    from profiles.profile import ProfileService

    with StateLock(settings.state_dir), open_event_log(settings.state_dir) as log, ProfileService(settings) as service:
        if log.count() == 0:
            raise DataError(f"no events stored in {settings.state_dir}; run `wherenow ingest` first")
        service.catch_up(log, progress=not args.quiet, rebuild=True)
        events, snapshots, users = log.count(), service.store.count(), len(service.store.users())
    print(f"events {events:,} · snapshots {snapshots:,} · users {users:,}")
    return 0


def _context(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import datetime

    from profiles.profile import ProfileService

    try:
        at = datetime.fromisoformat(args.at)
    except ValueError:
        raise ValueError(f"--at {args.at!r} is not an ISO 8601 time such as 2012-12-20T19:00:00-05:00") from None
    with StateLock(settings.state_dir), ProfileService(settings) as service:
        context = service.context(args.user, at, args.lat, args.lon, query=args.query, k=args.k)
    print(context.model_dump_json(indent=2))
    return 0


def _forget(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.runtime import forget_user
    from profiles.eventlog import open_event_log
    from profiles.profile import ProfileService

    try:
        lock = StateLock(settings.state_dir)
    except StateFolderInUse as busy:
        if not busy.url:
            raise
        return _forget_through_server(busy, args.user, settings)
    with lock, open_event_log(settings.state_dir) as log, ProfileService(settings) as service:
        removed = forget_user(settings, log, service, args.user)
    print(
        f"forgot user {args.user}: {removed.events:,} events, {removed.snapshots:,} snapshots and "
        f"{removed.rejects:,} rejected rows removed"
    )
    return 0


def _forget_through_server(busy: StateFolderInUse, user_id: str, settings: Settings) -> int:
    """The server holding the folder forgets the user, so its memory and its next save do not bring them back."""
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    url = f"{busy.url.rstrip('/')}/api/users/{urllib.parse.quote(user_id, safe='')}"
    request = urllib.request.Request(url, method="DELETE")
    if settings.server.api_key is not None:
        request.add_header("X-API-Key", settings.server.api_key.get_secret_value())
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # the server's own loopback address
            removed = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise StateFolderInUse(busy.folder, busy.pid, None) from error
    print(
        f"forgot user {user_id} through the server of process {busy.pid}: {removed['events']:,} events, "
        f"{removed['snapshots']:,} snapshots, {removed['conversations']:,} conversations and "
        f"{removed['rejects']:,} rejected rows removed"
    )
    return 0


def _prepare(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.runtime import prepare

    with prepare(settings, data_dir=args.data, progress=not args.quiet) as runtime:
        print(runtime.report.summary())
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wherenow", description=__doc__)
    parser.add_argument("--config", type=Path, help="TOML configuration file (default: wherenow.toml if present)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser(
        "ingest",
        help="load event files, report rejects, preprocess and store the events",
        description="Load the NYC folder (checkins.csv.gz + venues.csv.gz), a TSMC2014 .txt dump, or CSV / JSON Lines "
        "event files; report rows read, loaded and rejected; store the cleaned events.",
    )
    ingest.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the configured data folder)")
    ingest.add_argument("--venues", type=Path, help="venue catalogue for check-in files (NYC venues.csv.gz format)")
    ingest.add_argument("--replace", action="store_true", help="discard the stored events instead of adding to them")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.set_defaults(handler=_ingest)

    train = commands.add_parser(
        "train-encoder",
        help="fine-tune the interest encoder to predict the categories of next visits",
        description="Fine-tune the interest encoder (top layers + a linear head) to predict the top-level categories "
        "of a user's next visits from time, place and recent visits; compare with the frozen encoder and a majority "
        "baseline on a time-ordered split; save the best checkpoint with metrics.json and table.md.",
    )
    train.add_argument("--data", type=Path, help="NYC folder or event file (default: the configured data folder)")
    train.add_argument("--out", type=Path, help="checkpoint folder (default: <models.cache_dir>/encoder-finetuned)")
    train.add_argument(
        "--max-examples", type=int, help="subsample this many examples over the whole period (0: all; default 4000)"
    )
    train.add_argument("--epochs", type=int, help="passes over the training examples")
    train.add_argument("--seed", type=int, help="seed for subsampling, shuffling and initialisation")
    train.add_argument("--threads", type=int, help="torch threads (default 2; 1 can be faster on busy shared cores)")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    train.set_defaults(handler=_train_encoder)

    build = commands.add_parser("build-profiles", help="build time- and place-stamped profile snapshots")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(handler=_build_profiles)

    context = commands.add_parser("context", help="a user's spatio-temporal interest context, as JSON")
    context.add_argument("user", help="user id")
    context.add_argument("--at", required=True, help="ISO 8601 time with offset, e.g. 2012-12-20T19:00:00-05:00")
    context.add_argument("--lat", type=float, required=True, help="latitude of 'here'")
    context.add_argument("--lon", type=float, required=True, help="longitude of 'here'")
    context.add_argument("--query", help="optional free text the context should match")
    context.add_argument("--k", type=int, help="how many snapshots")
    context.set_defaults(handler=_context)

    forget = commands.add_parser("forget", help="remove every snapshot and event of a user, durably")
    forget.add_argument("user", help="user id")
    forget.set_defaults(handler=_forget)

    prepare = commands.add_parser(
        "prepare",
        help="ingest, index, build profiles and fit the recommender once; later starts reuse them",
        description="Bring the state folder to what the app needs: ingest the data when nothing is ingested, encode "
        "the catalogue into the item index, build profile snapshots when there are none, and fit and save the "
        "recommender unless one fitted on exactly the stored events is saved. A second run only checks and loads.",
    )
    prepare.add_argument("--data", type=Path, help="folder to ingest when nothing is ingested (default: data.dir)")
    prepare.add_argument("--quiet", action="store_true", help="no progress bars or phase times")
    prepare.set_defaults(handler=_prepare)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; expected failures print one line on stderr and exit with status 2."""
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        settings = load_settings(args.config)
        return handler(args, settings)
    except ValidationError as error:
        print(f"wherenow: error: invalid value: {_validation_message(error)}", file=sys.stderr)
    except (ConfigError, DataError, ModelUnavailable, StateFolderInUse, ValueError) as error:
        print(f"wherenow: error: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        print("wherenow: interrupted", file=sys.stderr)
    except Exception as error:
        if args.debug:
            raise
        print(f"wherenow: unexpected error: {type(error).__name__}: {error} (rerun with --debug)", file=sys.stderr)
    return EXIT_USAGE


def _validation_message(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())


if __name__ == "__main__":
    sys.exit(main())
