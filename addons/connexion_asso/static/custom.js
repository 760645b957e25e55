/* Connexion's corrections to sao, the web client: sao's index.html loads
   custom.js after itself; connexion_asso/web_client.py serves this file. */
(function() {
    'use strict';

    /* A selection field's list is emptied and refilled at each display of
       its form, and sao selects the record's value again only in a later
       task: a button clicked meanwhile read the first option and saved it.
       Typing a date on another tab of a dream and clicking 'Planifier'
       without leaving the field redisplays the form on that very click:
       'Signalé par' became 'Autre', the first in alphabetical order
       (issue 16, item 1). The record's value is selected at once. */
    var Selection = Sao.View.Form.Selection.prototype;
    var set_selection = Selection.set_selection;
    Selection.set_selection = function(selection, help) {
        set_selection.call(this, selection, help);
        if (this.record && this.field) {
            var value = this.field.get(this.record);
            if (selection.some(e => e[0] === value)) {
                this.select.val(JSON.stringify(value));
            }
        }
    };
}());
