from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create or update a user of the test provider with a password and groups."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("password")
        parser.add_argument("groups", nargs="*")

    def handle(self, username, password, groups, **options):
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = username.title(), "Test"
        user.email = f"{username}@hospital.test"
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in groups])
