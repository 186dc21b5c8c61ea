from django.urls import path

from belimumab.labfeed import views

app_name = "labfeed"

urlpatterns = [
    path("hl7/", views.hl7_receive, name="hl7"),
    path("", views.pending_list, name="pending"),
    path("<int:pk>/decide/", views.pending_decide, name="decide"),
    path("match/", views.pending_rematch, name="rematch"),
    path("mappings/", views.mapping_list, name="mappings"),
    path("mappings/new/", views.mapping_add, name="mapping_add"),
    path("mappings/<int:pk>/", views.mapping_edit, name="mapping_edit"),
    path("senders/", views.sender_list, name="senders"),
    path("senders/new/", views.sender_add, name="sender_add"),
    path("senders/<int:pk>/token/", views.sender_token, name="sender_token"),
    path("senders/<int:pk>/deactivate/", views.sender_deactivate, name="sender_deactivate"),
]
