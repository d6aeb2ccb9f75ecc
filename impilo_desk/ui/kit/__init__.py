"""Small shared Qt parts every tab uses: task owner, dialogs, table model, banners."""
