"""Publish the scheduled stories whose time has come. Safe to run every minute from cron."""

from django.core.management.base import BaseCommand

from articles import workflow


class Command(BaseCommand):
    help = (
        "Move scheduled stories whose publication time has passed to published. Idempotent: "
        "running it again, or twice at once, publishes nothing twice."
    )

    def handle(self, *args, **options):
        result = workflow.publish_due()
        for article in result.published:
            self.stdout.write(f"Published “{article}” (/articles/{article.slug}/).")
        for article in result.embargoes_ended:
            self.stdout.write(f"Embargo ended on “{article}” (/articles/{article.slug}/).")
        for article, reason in result.refused:
            self.stderr.write(f"Left “{article}” scheduled: {reason}")
        self.stdout.write(
            f"{len(result.published)} stor{'y' if len(result.published) == 1 else 'ies'} "
            f"published, {len(result.refused)} left scheduled."
        )
